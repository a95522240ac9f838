using System.Globalization;
using System.Text.RegularExpressions;

namespace XnorSpec.Files;

/// <summary>
/// An image of the dataset named on the command line instead of a file: `test:123` is image 123 (from 0)
/// of the test split, `train:45` image 45 of the training split. Any argument that starts with a split's
/// name and a colon is a reference; a file of such a name is passed as ./test:1.png.
/// </summary>
public sealed partial record DatasetReference(string Split, int Index)
{
    private const string Fix = "Write train:N or test:N, N an image's index from 0; for a file of that name write ./NAME.";

    public static bool LooksLikeOne(string argument) =>
        FashionMnistFiles.Splits.Any(split => argument.StartsWith(split + ":", StringComparison.Ordinal));

    /// <summary>The reference <paramref name="argument"/> makes, or null when it names a file; a malformed one is refused.</summary>
    public static DatasetReference? Of(string argument)
    {
        if (!LooksLikeOne(argument)) return null;
        var (split, index) = (argument[..argument.IndexOf(':')], argument[(argument.IndexOf(':') + 1)..]);
        if (!Digits().IsMatch(index))
            throw new BadFileException(argument, $"not a dataset reference: after '{split}:' comes an image's index, a whole number from 0 such as {split}:123", Fix);
        // Too many digits for an int is out of range for every split: int.MaxValue stands in for it.
        return new DatasetReference(split, int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue);
    }

    public override string ToString() => $"{Split}:{Index}";

    [GeneratedRegex("^[0-9]+$")]
    private static partial Regex Digits();
}
