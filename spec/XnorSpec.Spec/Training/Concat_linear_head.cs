using FluentAssertions;
using XnorSpec.Data;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Training;

/// <summary>
/// Claim 1. cat(q, t) followed by one linear unit gives the logit f(q) + g(t) + b: additively
/// separable, so it cannot express "same colour" (XNOR) and the best it can do on balanced labels
/// is the constant 0.5, whose mean squared error is 0.25.
/// </summary>
public class Concat_linear_head(ITestOutputHelper output)
{
    // Quick profile (SmallCnn, 32x32, batch 10, lr 0.01), seeds 1-10 (fixtures/reproduction/quick-smallcnn-study.csv)
    // and 11-30 (fixtures/reproduction/margins-2026-12-03/quick-concat-seeds-11-30.csv): epoch means 0.2384 to 0.2649,
    // eval-mode predictions 0.365 to 0.698. Margins: loss 0.23..0.275 (0.0084 below the lowest = 2.5 SD, SD 0.0033 of
    // each seed's lowest over 30 seeds; 0.010 above the highest = 3.6 SD, SD 0.0028; the quick runs that learn end
    // below 0.035), predictions 0.5 +/- 0.3 (0.102 beyond the widest, seed 30's 0.698 = 2.6 SD, SD 0.039 of each
    // seed's widest over 30 seeds; a head that had learned XNOR answers within 0.1 of 0 or 1, 0.4 or more from 0.5).
    // The band was 0.2 from seeds 1-10 (widest 0.635); seed 30 came within 0.002 of it.
    internal const double QuickLowestEpochLoss = 0.23, QuickHighestEpochLoss = 0.275;
    internal const double QuickPredictionBand = ColourSource.NearHalfWithin; // 0.3: the verdict's "near 0.5" is this band

    // Seed profile, batch size 10, seeds 1-3 (fixtures/reproduction/study.csv, arm seed10): epoch means 0.2425
    // (seed 2, epoch 2) to 0.2613, eval-mode predictions 0.452 to 0.549. Margins: loss 0.23..0.275 (0.0125 below
    // the lowest, 0.014 above the highest; runs that learn end below 0.1), predictions 0.5 +/- 0.1. Seeds 4-7 added
    // (fixtures/reproduction/margins-2026-12-03/seed-concat-more-seeds.csv): epoch means 0.2409 to 0.2609, predictions
    // 0.520 to 0.575. Over 7 seeds: loss margins 0.0109 = 3.7 SD (SD 0.0030 of each seed's lowest) and 0.014 = 6.4 SD
    // (SD 0.0021 of each seed's highest); the widest abs(p - 0.5) is 0.047 to 0.075 (seed 6; SD 0.013, where seeds 1-3
    // gave 0.0009), so the band's margin is 0.025 = 1.9 SD (the band is 3.2 SD from their mean), 1.8 times the 0.014 a
    // change of libtorch thread count moved it: below 2 SD, kept for now; more seeds would settle it.
    private const double SeedLowestEpochLoss = 0.23, SeedHighestEpochLoss = 0.275, SeedPredictionBand = 0.1;

    [Fact]
    public void At_the_quick_settings_the_concat_linear_head_stays_near_one_half_on_same_colour_labels_for_the_whole_run()
    {
        var run = Runs.Of(Runs.Quick, FusionKind.Concat, LabelRule.SameColour);
        output.WriteLine(Runs.Describe(run));

        run.EpochLosses.Should().OnlyContain(loss => loss >= QuickLowestEpochLoss && loss <= QuickHighestEpochLoss);
        run.Predictions.Values.Should().OnlyContain(p => Math.Abs(p - 0.5) <= QuickPredictionBand);
    }

    [Fact]
    public void The_concat_linear_heads_logits_add_up_so_same_and_different_pairs_cannot_be_told_apart()
    {
        var run = Runs.Of(Runs.Quick, FusionKind.Concat, LabelRule.SameColour);
        var (contrast, scale) = Contrast.OfSolidColours(run.Model!, run.Experiment.ImageSize, TestDevice.Current);
        output.WriteLine(Contrast.Describe((contrast, scale)));

        // Zero up to float32 rounding of four logits of size `scale`.
        Math.Abs(contrast).Should().BeLessThan(1e-5 * Math.Max(1, scale));
    }

    [Fact]
    [Trait("Category", Runs.SeedCategory)]
    public void At_the_seed_settings_the_concat_linear_head_stays_near_one_half_for_the_whole_run()
    {
        var run = Runs.Of(Runs.Seed, FusionKind.Concat, LabelRule.SameColour);
        output.WriteLine(Runs.Describe(run));

        run.EpochLosses.Should().OnlyContain(loss => loss >= SeedLowestEpochLoss && loss <= SeedHighestEpochLoss);
        run.Predictions.Values.Should().OnlyContain(p => Math.Abs(p - 0.5) <= SeedPredictionBand);
        var (contrast, scale) = Contrast.OfSolidColours(run.Model!, run.Experiment.ImageSize, TestDevice.Current);
        Math.Abs(contrast).Should().BeLessThan(1e-5 * Math.Max(1, scale));
    }
}
