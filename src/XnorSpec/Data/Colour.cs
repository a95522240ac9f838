namespace XnorSpec.Data;

/// <summary>
/// A solid image's colour, named by its pixel value: black is 0.0 and white is 1.0 in every channel.
/// (The question's variables are swapped: its <c>black</c> is (255, 255, 255).)
/// </summary>
public enum Colour
{
    Black,
    White,
}

/// <summary>The colours of one training pair: the query image and the template image.</summary>
public readonly record struct ColourPair(Colour Query, Colour Template)
{
    public override string ToString() => $"{Query.Letter()}{Template.Letter()}";

    /// <summary>The four combinations, in the order BB, BW, WB, WW.</summary>
    public static IReadOnlyList<ColourPair> All { get; } = new[]
    {
        new ColourPair(Colour.Black, Colour.Black), new ColourPair(Colour.Black, Colour.White),
        new ColourPair(Colour.White, Colour.Black), new ColourPair(Colour.White, Colour.White),
    };
}

public static class ColourExtensions
{
    public static float PixelValue(this Colour colour) => colour == Colour.White ? 1f : 0f;

    public static char Letter(this Colour colour) => colour == Colour.White ? 'W' : 'B';
}
