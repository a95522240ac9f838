using System.Globalization;
using TorchSharp;
using XnorSpec.Model;
using static TorchSharp.torch;

namespace XnorSpec.Training;

/// <summary>
/// One draw of the structural test: the interaction share at perturbed weights, the largest |logit|, the logits' spread
/// (root mean square of Z - mean) and, when the draw says nothing, why it was set aside ("saturated" or "flat"; else null).
/// </summary>
public sealed record WeightDraw(int Draw, double Share, double LargestLogit, double Spread, string? SetAside)
{
    public bool Conclusive => SetAside is null;
}

/// <summary>
/// The structural test, "could any weights make this model compare?": on a copy of the model (never the caller's
/// module), every floating-point parameter is perturbed by seeded Gaussian noise of <see cref="NoiseScale"/> times that
/// tensor's root mean square (1 for an all-zero tensor), <see cref="Draws"/> times from the model's own weights, and the
/// interaction share H² of each draw is measured over the source's grid in eval mode. When every draw's H² is at float
/// noise level (at most <see cref="SeparableAtMost"/>) the architecture itself is separable: its logit is f(query) +
/// g(template) for all the weights tried, so no training can teach it "same" (change the fusion). Otherwise it can
/// represent comparisons. Two kinds of draw say nothing and are set aside: "saturated", whose outputs reach the model's
/// saturation (a probability output clamped at 0 or 1), because clamping can make a separable model's logits look
/// interacting; and "flat", whose logits vary over the grid by no more than <see cref="FlatSpread"/> of their size
/// (float32 rounding is then a large part of the variation, and H² measures rounding). When every draw is set aside the
/// test says nothing (<see cref="Separable"/> is null).
/// </summary>
public sealed record ArchitectureCheck(
    string Model, string Grid, int Draws, long Seed, double NoiseScale, double Threshold, double ShareAtGivenWeights,
    IReadOnlyList<WeightDraw> DrawResults, bool? Separable, string Verdict)
{
    /// <summary>
    /// The float-noise level of H²: the largest H² a separable architecture may show. Measured in float32 on separable
    /// models (XnorSpec's Concat and Sum heads, the question's TemplateEvaluator scripted and traced, a concat model
    /// returning logits), 50 draws each on both sources' grids: the largest H² was 1.3e-9, so 1e-6 leaves a margin of
    /// 760 (the spec Interaction_share_noise requires 100); the median draw of every interacting architecture was
    /// above 6e-4 (src/XnorSpec/README.md, "The interaction share and the structural test").
    /// </summary>
    public const double SeparableAtMost = 1e-6;

    public const int DefaultDraws = 8;

    /// <summary>
    /// A draw is flat when the spread of its logits, sqrt(sum (Z - mean)² / (n m)), is at most this fraction of max(1, largest |logit|):
    /// about 100 float32 steps (2^-23 = 1.2e-7 each), where rounding stops being negligible against the variation.
    /// </summary>
    public const double FlatSpread = 1e-5;

    public const double DefaultNoiseScale = 1.0;

    /// <summary>
    /// Runs the structural test on copies of <paramref name="model"/> (<see cref="ComparisonModel.Copy"/>): <paramref name="draws"/>
    /// draws seeded from <paramref name="seed"/>, over <paramref name="source"/>'s grid at <paramref name="imageSize"/>.
    /// The model itself is only read (its H² at the given weights is reported beside the draws).
    /// </summary>
    public static ArchitectureCheck Run(ComparisonModel model, PairSource source, int imageSize, Device device,
        int draws = DefaultDraws, long seed = 1, double noiseScale = DefaultNoiseScale)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (draws < 1) throw new ArgumentOutOfRangeException(nameof(draws), draws, "The structural test needs at least one draw.");
        if (!(noiseScale > 0) || !double.IsFinite(noiseScale))
            throw new ArgumentOutOfRangeException(nameof(noiseScale), noiseScale, "The noise scale is a positive multiple of each tensor's root mean square.");
        using var scope = NewDisposeScope();
        var grid = source.Grid(imageSize, device);
        var given = InteractionShare.Of(model, grid);
        var results = new List<WeightDraw>(draws);
        for (int d = 0; d < draws; d++)
        {
            using var copy = model.Copy();
            Perturb(copy, seed * 1_000_003 + d, noiseScale);
            var share = InteractionShare.Of(copy, grid);
            double spread = Math.Sqrt(share.TotalVariation / (share.Queries * share.Templates));
            string? setAside = copy.SaturatedLogit is { } limit && share.LargestLogit >= limit * (1 - 1e-6) ? "saturated"
                : spread <= FlatSpread * Math.Max(1, share.LargestLogit) ? "flat" : null;
            results.Add(new WeightDraw(d + 1, share.Share, share.LargestLogit, spread, setAside));
        }
        var conclusive = results.Where(r => r.Conclusive).ToArray();
        bool? separable = conclusive.Length == 0 ? null : conclusive.All(r => r.Share <= SeparableAtMost);
        string verdict = separable switch
        {
            true => string.Create(CultureInfo.InvariantCulture,
                $"{model.Description}: separable by architecture: H² at most {conclusive.Max(r => r.Share):G3} over {conclusive.Length} weight draws, at float noise (<= {SeparableAtMost:G3}); its logit is f(query) + g(template) whatever the weights, so no training can teach it to compare: change the fusion"),
            false => string.Create(CultureInfo.InvariantCulture,
                $"{model.Description}: can represent comparisons: H² up to {conclusive.Max(r => r.Share):G3} over {conclusive.Length} weight draws, above float noise ({SeparableAtMost:G3})"),
            null => $"{model.Description}: the structural test says nothing: every one of the {draws} draws saturated the model's outputs or left its logits flat over the grid; try another noise scale or more draws",
        };
        return new ArchitectureCheck(model.Description, grid.Description, draws, seed, noiseScale, SeparableAtMost, given.Share, results, separable, verdict);
    }

    /// <summary>
    /// Adds to every floating-point parameter of <paramref name="model"/> (in place) Gaussian noise of <paramref name="noiseScale"/>
    /// times the tensor's root mean square (1 for an all-zero tensor), from a generator seeded with <paramref name="seed"/>.
    /// Buffers (BatchNorm's running statistics) are left as they are.
    /// </summary>
    public static void Perturb(ComparisonModel model, long seed, double noiseScale)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var generator = new Generator((ulong)seed);
        foreach (var parameter in model.parameters())
        {
            if (!parameter.is_floating_point() || parameter.numel() == 0) continue;
            double rms = parameter.to(float64).square().mean().sqrt().item<double>();
            double scale = (rms > 0 ? rms : 1.0) * noiseScale;
            var noise = randn(parameter.shape, dtype: float64, generator: generator).mul_(scale).to(parameter.dtype, parameter.device);
            parameter.add_(noise);
        }
    }
}
