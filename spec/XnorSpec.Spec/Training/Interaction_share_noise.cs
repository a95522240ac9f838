using System.Globalization;
using FluentAssertions;
using XnorSpec.Data;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Training;

/// <summary>
/// Claim: the structural test's threshold (<see cref="ArchitectureCheck.SeparableAtMost"/>) is set from evidence: the
/// interaction share of separable architectures at float32, over many weight draws on both sources' grids, stays at
/// least <see cref="Margin"/> times below it, while most draws of architectures with an interaction term are above it.
/// XNORSPEC_NOISE_DRAWS sets the draws per model and grid (8 by default, as the structural test; the measurement in src/XnorSpec/README.md used 50).
/// </summary>
public sealed class Interaction_share_noise(ITestOutputHelper output)
{
    /// <summary>
    /// How far below the threshold the largest float-noise H² seen must stay: 100 times. Measured (50 draws a model and
    /// grid, src/XnorSpec/README.md): the largest was 1.3e-9, 760 times below the threshold of 1e-6.
    /// </summary>
    public const double Margin = 100;

    private static readonly int Draws = int.TryParse(Environment.GetEnvironmentVariable("XNORSPEC_NOISE_DRAWS"), out var n) && n > 0 ? n : 8;

    private static ComparisonModel Model(string name) => Enum.TryParse<FusionKind>(name, out var head)
        ? Trainer.NewModel(new Experiment { Head = head, Seed = 5, ImageSize = 32, Encoder = EncoderKind.SmallCnn }, TestDevice.Current)
        : TorchScriptModel.Load(Fixtures.Path("torchscript", name), new TorchScriptReading(name.Contains("logit") ? TorchScriptOutput.Logit : TorchScriptOutput.Probability), TestDevice.Current);

    private IReadOnlyList<WeightDraw> Measured(string name, PairData data)
    {
        using var model = Model(name);
        using var source = PairSources.For(data);
        int size = data == PairData.Colours ? 32 : 28;
        var check = ArchitectureCheck.Run(model, source, size, TestDevice.Current, draws: Draws, seed: 7);
        var shares = check.DrawResults.Where(d => d.Conclusive).Select(d => d.Share).Order().ToArray();
        int above = shares.Count(s => s > ArchitectureCheck.SeparableAtMost);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {data} {size}x{size} | {Draws} | {shares.Length} | {(shares.Length > 0 ? shares[0] : double.NaN):E2} | {(shares.Length > 0 ? shares[shares.Length / 2] : double.NaN):E2} | {(shares.Length > 0 ? shares[^1] : double.NaN):E2} | {above} |"));
        return check.DrawResults;
    }

    public static TheoryData<string, PairData> SeparableModels()
    {
        var data = new TheoryData<string, PairData>();
        foreach (var name in new[] { "Concat", "Sum", "question-concat-scripted.pt", "question-concat-traced.pt", "concat-logit.pt" })
            foreach (var pairs in new[] { PairData.Colours, PairData.FashionMnistSubset })
                data.Add(name, pairs);
        return data;
    }

    public static TheoryData<string, PairData> InteractingModels()
    {
        var data = new TheoryData<string, PairData>();
        foreach (var name in new[] { "Product", "AbsDiff", "ConcatMlp", "Bilinear", "Cosine", "InferSent", "product.pt", "shared-absdiff.pt", "cosine.pt", "concat-mlp.pt" })
            foreach (var pairs in new[] { PairData.Colours, PairData.FashionMnistSubset })
                data.Add(name, pairs);
        return data;
    }

    [Theory]
    [MemberData(nameof(SeparableModels))]
    public void A_separable_architecture_s_interaction_share_stays_far_below_the_threshold_at_every_draw(string name, PairData data)
    {
        var draws = Measured(name, data);
        draws.Should().OnlyContain(d => d.Conclusive, "these models neither saturate nor go flat at these weights");
        draws.Max(d => d.Share).Should().BeLessThanOrEqualTo(ArchitectureCheck.SeparableAtMost / Margin);
    }

    [Theory]
    [MemberData(nameof(InteractingModels))]
    public void Most_draws_of_an_architecture_with_an_interaction_term_are_above_the_threshold(string name, PairData data)
    {
        var conclusive = Measured(name, data).Where(d => d.Conclusive).ToArray();
        conclusive.Count(d => d.Share > ArchitectureCheck.SeparableAtMost).Should().BeGreaterThanOrEqualTo((conclusive.Length + 1) / 2);
    }
}
