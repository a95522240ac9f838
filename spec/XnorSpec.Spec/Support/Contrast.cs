using XnorSpec.Data;
using XnorSpec.Model;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Support;

public static class Contrast
{
    /// <summary>
    /// The interaction contrast z(a,c) + z(b,d) - z(a,d) - z(b,c) of the logits in eval mode (each
    /// encoder's output then depends on its own image only), and the largest |logit| for scale.
    /// For a head whose logit is f(q) + g(t) + b it is exactly zero for any four images.
    /// </summary>
    public static (double Contrast, double Scale) Of(PairModel model, Tensor a, Tensor b, Tensor c, Tensor d)
    {
        using var scope = NewDisposeScope();
        // Rows: (a,c), (b,d), (a,d), (b,c): one square, through the core's contrast (the one `check` reports).
        var z = InteractionContrast.LogitsInEvalMode(model, stack(new[] { a, b, a, b }), stack(new[] { c, d, d, c }));
        return (InteractionContrast.OfSquares(z)[0], z.Max(Math.Abs));
    }

    /// <summary>
    /// z(B,B) + z(W,W) - z(B,W) - z(W,B): zero for a separable head, while same-colour labels need
    /// it positive. The whole argument in one number, over the colour source's probe (as `check` reads it).
    /// </summary>
    public static (double Contrast, double Scale) OfSolidColours(PairModel model, int imageSize, Device device)
    {
        var contrast = InteractionContrast.Of(model, new ColourSource(), imageSize, device);
        return (contrast.Mean, contrast.LargestLogit);
    }

    public static string Describe((double Contrast, double Scale) c) =>
        $"z(BB) + z(WW) - z(BW) - z(WB) = {c.Contrast:E3}; largest |z| = {c.Scale:F3}";
}
