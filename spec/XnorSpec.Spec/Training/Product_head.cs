using FluentAssertions;
using XnorSpec.Data;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Training;

/// <summary>
/// Claim 2. q * t followed by one linear unit gives sum_i w_i q_i t_i + b: when a feature's sign
/// follows the colour, the product's sign says whether the colours agree, so XNOR is learnable.
/// </summary>
public class Product_head(ITestOutputHelper output)
{
    // Quick profile (SmallCnn, 32x32, batch 10, lr 0.1), seeds 1-10 (fixtures/reproduction/quick-smallcnn-study.csv):
    // final losses 0.0087 to 0.0201 (from about 0.22 in epoch 1); eval-mode predictions 0.923 or more for same
    // colours, 0.085 or less for different ones. Margin: 0.06, 3x the worst and far under the 0.25 of knowing nothing;
    // margin 0.040 = 9.9 SD (SD 0.0040 over 10 seeds).
    internal const double QuickFinalLoss = 0.06;

    // Seed profile with lr 0.1, seeds 1-3 (fixtures/reproduction/study.csv, arm lr): final losses
    // 9e-6 to 7e-4 with every eval-mode prediction within 0.01 of its label. Margin: 0.01, over 10x the worst;
    // margin 0.0093 = 26 SD (SD 0.0004 over 3 seeds).
    private const double SeedFinalLoss = 0.01;

    // The question's literal settings (lr 0.001, batch 10), seeds 1-3 (study.csv, arm seed10): final
    // losses 0.2083 to 0.2166 (from 0.245 in epoch 1). Claim: still above 0.15 after 10 epochs (margin 0.058 = 13 SD, SD 0.0044 over 3 seeds).
    private const double SeedLiteralLowestFinalLoss = 0.15;

    [Fact]
    public void The_product_head_learns_same_colour_labels()
    {
        var run = Runs.Of(Runs.Quick, FusionKind.Product, LabelRule.SameColour);
        output.WriteLine(Runs.Describe(run));

        run.FinalLoss.Should().BeLessThan(QuickFinalLoss);
        Runs.ShouldPredictEveryPairOnItsLabelsSide(run);
    }

    [Fact]
    public void The_product_heads_logits_do_not_add_up_so_it_can_tell_same_from_different()
    {
        var run = Runs.Of(Runs.Quick, FusionKind.Product, LabelRule.SameColour);
        var (contrast, scale) = Contrast.OfSolidColours(run.Model!, run.Experiment.ImageSize, TestDevice.Current);
        output.WriteLine(Contrast.Describe((contrast, scale)));

        Math.Abs(contrast).Should().BeGreaterThan(1e-3 * Math.Max(1, scale));
    }

    [Fact]
    [Trait("Category", Runs.SeedCategory)]
    public void At_the_seed_settings_with_learning_rate_0_1_the_product_head_learns_same_colour_labels()
    {
        var run = Runs.Of(Runs.Seed, FusionKind.Product, LabelRule.SameColour);
        output.WriteLine(Runs.Describe(run));

        run.Experiment.LearningRate.Should().Be(0.1);
        run.FinalLoss.Should().BeLessThan(SeedFinalLoss);
        Runs.ShouldPredictEveryPairOnItsLabelsSide(run);
    }

    [Fact]
    [Trait("Category", Runs.SeedCategory)]
    public void At_the_questions_literal_learning_rate_0_001_the_product_head_has_not_converged_after_ten_epochs()
    {
        var literal = Runs.Seed.Settings with { Head = FusionKind.Product, Labels = LabelRule.SameColour };
        var run = Runs.Of(literal);
        output.WriteLine(Runs.Describe(run));

        run.FinalLoss.Should().BeGreaterThan(SeedLiteralLowestFinalLoss);
        run.FinalLoss.Should().BeLessThan(run.InitialLoss, "it does learn, only slowly");
    }
}
