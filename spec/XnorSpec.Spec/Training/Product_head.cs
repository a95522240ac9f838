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
    // Quick profile (batch 50, lr 0.05, momentum 0.9), seeds 1-5 (fixtures/reproduction/
    // quick-study-bs50-lr0.05-mom0.9.csv): final losses 0.0000 to 0.0038. Margin: 5x the worst.
    private const double QuickFinalLoss = 0.02;

    [Fact]
    public void The_product_head_learns_same_colour_labels()
    {
        var run = Runs.Of(Runs.Quick, FusionKind.Product, LabelRule.SameColour);
        output.WriteLine($"epoch losses: {string.Join(" ", run.EpochLosses.Select(l => l.ToString("F4")))}");

        run.FinalLoss.Should().BeLessThan(QuickFinalLoss);
    }

    [Fact]
    public void The_product_heads_logits_do_not_add_up_so_it_can_tell_same_from_different()
    {
        var run = Runs.Of(Runs.Quick, FusionKind.Product, LabelRule.SameColour);
        var (contrast, scale) = Contrast.OfSolidColours(run.Model!, run.Experiment.ImageSize, TestDevice.Current);
        output.WriteLine($"z(BB) + z(WW) - z(BW) - z(WB) = {contrast:E3}; largest |z| = {scale:F3}");

        Math.Abs(contrast).Should().BeGreaterThan(1e-3 * Math.Max(1, scale));
    }
}
