using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using XnorSpec.Training;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Theory;

/// <summary>
/// Why the question's model cannot learn, without training anything. A concat-linear head's logit
/// is z(q, t) = f(q) + g(t) + b, so for ANY four images the interaction contrast
/// z(a,c) + z(b,d) - z(a,d) - z(b,c) is exactly zero; same-colour labels need it positive on
/// (black, white, black, white). In eval mode each encoder's output depends on its own image only.
/// </summary>
[Properties(Arbitrary = new[] { typeof(TheoryGenerators) })]
public class Separability(ITestOutputHelper output)
{
    private const int Size = 32;
    private static readonly int SeedsTried = int.TryParse(Environment.GetEnvironmentVariable("XNORSPEC_CONTRAST_SEEDS"), out var n) ? n : 10;

    // The contrast is the head's algebra, whatever the encoders compute: the generated cases and the
    // other heads use the small encoder (milliseconds per model); the question's own model, the
    // concat head on ResNet18 (0.3 s per model), is checked at every seed as well.
    private static PairModel Fresh(FusionKind head, long seed, EncoderKind encoder = EncoderKind.SmallCnn) =>
        Trainer.NewModel(new Experiment { Head = head, Seed = seed, ImageSize = Size, Encoder = encoder }, TestDevice.Current);

    public static TheoryData<FusionKind> SeparableHeads => new(Enum.GetValues<FusionKind>().Where(FusionHead.IsSeparable));
    public static TheoryData<FusionKind> NonSeparableHeads => new(Enum.GetValues<FusionKind>().Where(k => !FusionHead.IsSeparable(k)));

    // 100 cases per head. The tolerance is float32 rounding of sums of up to 2000 terms, relative to the logits' size.
    [Property(MaxTest = 100)]
    public Property A_concat_linear_heads_contrast_is_zero_for_any_weights_and_any_four_images(PositiveInt seed, FourImages images) =>
        ContrastVanishes(FusionKind.Concat, seed.Get, images);

    [Property(MaxTest = 100)]
    public Property A_sum_heads_contrast_is_zero_for_any_weights_and_any_four_images(PositiveInt seed, FourImages images) =>
        ContrastVanishes(FusionKind.Sum, seed.Get, images);

    private static Property ContrastVanishes(FusionKind head, long seed, FourImages images)
    {
        using var scope = NewDisposeScope();
        using var model = Fresh(head, seed);
        var (contrast, scale) = Contrast.Of(model, images.A.Make(Size), images.B.Make(Size), images.C.Make(Size), images.D.Make(Size));
        return (Math.Abs(contrast) <= 1e-5 * Math.Max(1, scale)).Label($"contrast {contrast:E3}, largest |z| {scale:F3}");
    }

    // "Clearly non-zero": |contrast| > 1e-3 x max(1e-3, largest |z|), 100x the tolerance above. A
    // random head can cancel by chance (with ResNet18 encoders, InferSent at seed 4: 6e-6 against logits of 0.05), so the
    // claim is a rate. Measured over seeds 1-40 (XNORSPEC_CONTRAST_SEEDS=40) with SmallCnn encoders
    // (fixtures/reproduction/theory-and-threads.txt, part 4):
    // 40/40 for Bilinear, Cosine and InferSent, 39/40 Product and AbsDiff, 38/40 ConcatMlp (with
    // ResNet18 encoders: 40/40 Product, AbsDiff, Bilinear, Cosine, 39/40 ConcatMlp, 38/40 InferSent).
    // The spec takes seeds 1-10 and requires at least 9 of them. At ConcatMlp's rate (38/40) a count of 10 fresh
    // seeds has SD 0.69 and falls below 9 with probability 0.09: 1.4 SD, not re-derived; seeds 1-10 themselves are fixed.
    [Theory]
    [MemberData(nameof(NonSeparableHeads))]
    public void A_non_separable_head_has_a_clearly_non_zero_contrast_on_black_white_black_white_at_initialisation(FusionKind head)
    {
        var contrasts = Enumerable.Range(1, SeedsTried).Select(seed =>
        {
            using var model = Fresh(head, seed);
            return Contrast.OfSolidColours(model, Size, TestDevice.Current);
        }).ToArray();
        output.WriteLine(string.Join("\n", contrasts.Select((c, i) => $"seed {i + 1}: contrast {c.Contrast:E3}, largest |z| {c.Scale:F3}")));

        var clear = contrasts.Count(c => Math.Abs(c.Contrast) > 1e-3 * Math.Max(1e-3, c.Scale));
        output.WriteLine($"{head}: clearly non-zero at {clear} of {contrasts.Length} seeds");
        clear.Should().BeGreaterThanOrEqualTo(contrasts.Length * 9 / 10);
    }

    [Theory]
    [MemberData(nameof(SeparableHeads))]
    public void A_separable_heads_contrast_on_black_white_black_white_is_zero_at_every_seed(FusionKind head)
    {
        var encoder = head == FusionKind.Concat ? EncoderKind.ResNet18 : EncoderKind.SmallCnn;
        foreach (var seed in Enumerable.Range(1, 10))
        {
            using var model = Fresh(head, seed, encoder);
            var (contrast, scale) = Contrast.OfSolidColours(model, Size, TestDevice.Current);
            Math.Abs(contrast).Should().BeLessThanOrEqualTo(1e-5 * Math.Max(1, scale), $"seed {seed}");
        }
    }
}
