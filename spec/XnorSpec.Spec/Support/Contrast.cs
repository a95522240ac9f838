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
        using var _ = no_grad();
        model.eval();
        try
        {
            // Rows: (a,c), (b,d), (a,d), (b,c).
            var z = model.Logit(stack(new[] { a, b, a, b }), stack(new[] { c, d, d, c })).to(float64).cpu().data<double>().ToArray();
            return (z[0] + z[1] - z[2] - z[3], z.Max(Math.Abs));
        }
        finally { model.train(); }
    }

    /// <summary>
    /// z(B,B) + z(W,W) - z(B,W) - z(W,B): zero for a separable head, while same-colour labels need
    /// it positive. The whole argument in one number.
    /// </summary>
    public static (double Contrast, double Scale) OfSolidColours(PairModel model, int imageSize, Device device)
    {
        using var scope = NewDisposeScope();
        var black = SolidImages.Image(Colour.Black, imageSize, device);
        var white = SolidImages.Image(Colour.White, imageSize, device);
        return Of(model, black, white, black, white);
    }

    public static string Describe((double Contrast, double Scale) c) =>
        $"z(BB) + z(WW) - z(BW) - z(WB) = {c.Contrast:E3}; largest |z| = {c.Scale:F3}";
}
