using XnorSpec.Data;
using XnorSpec.Model;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Support;

public static class Contrast
{
    /// <summary>
    /// The interaction contrast z(B,B) + z(W,W) - z(B,W) - z(W,B) of the logits in eval mode, and the
    /// largest |logit| for scale. For a head whose logit is f(q) + g(t) + b it is exactly zero, while
    /// same-colour labels need it positive: the whole argument in one number.
    /// </summary>
    public static (double Contrast, double Scale) OfSolidColours(PairModel model, int imageSize, Device device)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        try
        {
            var pairs = ColourPair.All; // BB, BW, WB, WW
            var z = model.Logit(SolidImages.Batch(pairs.Select(p => p.Query).ToArray(), imageSize, device),
                                SolidImages.Batch(pairs.Select(p => p.Template).ToArray(), imageSize, device)).to(float64).cpu().data<double>().ToArray();
            return (z[0] + z[3] - z[1] - z[2], z.Max(Math.Abs));
        }
        finally { model.train(); }
    }

    public static string Describe((double Contrast, double Scale) c) =>
        $"z(BB) + z(WW) - z(BW) - z(WB) = {c.Contrast:E3}; largest |z| = {c.Scale:F3}";
}
