using FluentAssertions;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Training;

/// <summary>
/// Claim: the diagnosis carries over from solid colours to real images. On Fashion-MNIST pairs (same
/// category or not), scored on held-out pairs of the test split that no training pair touches, the
/// concat-linear head stays at the separable bound while the product head beats it (held-out MSE; the
/// accuracies are read against the 3/4 a separable rule can reach, theorem 4), and the concat head
/// learns what a separable head can: a label of the query alone, and all zeros. Quick fidelity
/// (the fashion-quick profile, seed 1). Thresholds from seeds 1-8 in fixtures/reproduction/real-images-quick.csv;
/// each comment gives the measured range and the margin.
/// </summary>
public class Real_images(ITestOutputHelper output)
{
    [Fact]
    public void On_held_out_real_pairs_the_concat_linear_head_stays_at_the_separable_bound_every_epoch()
    {
        var run = RealImageRuns.Of(RealImageRuns.Profile.Get(FusionKind.Concat, LabelRule.SameCategory));
        output.WriteLine(run.ToString());

        // The bound is 0.25 on the balanced population; 1000 held-out pairs let a sample dip below it by chance.
        // Seeds 1-8, all 64 epochs: held-out MSE 0.2488 at the lowest (margin 0.014 to 0.235), accuracy 0.469 to
        // 0.546 (margin 0.024 to 0.07 from one half; chance alone has a standard deviation of 0.016 on 1000 pairs).
        // Margin 0.014 = 3.4 SD (SD 0.0040 of each seed's lowest over 8 seeds) = 2.7 SE (per-pair SE 0.0051 at seed 1);
        // 0.024 = 2.5 SD (SD 0.0098 over 8 seeds) = 1.5 SE of 1000 pairs: below 2 SE, not re-derived.
        run.HeldOutAfterEpoch.Should().OnlyContain(h => h.Mse >= 0.235, "a separable head cannot beat the constant 0.5's 0.25 on balanced pairs");
        run.HeldOutAfterEpoch.Should().OnlyContain(h => Math.Abs(h.Accuracy - 0.5) <= 0.07,
            "it is seen to answer at chance (an observation at this setting: separability alone allows up to 3/4, theorem 4)");
        // Why: its logits add up, f(query) + g(template), on real images too (float precision, as in the theory specs).
        run.LargestRelativeContrast.Should().BeLessThan(1e-4, "z(a,c) + z(b,d) - z(a,d) - z(b,c) is zero for a separable head");
    }

    [Fact]
    public void The_product_head_beats_the_separable_bound_on_same_category_labels_of_held_out_real_pairs()
    {
        var run = RealImageRuns.Of(RealImageRuns.Profile.Get(FusionKind.Product, LabelRule.SameCategory));
        output.WriteLine(run.ToString());

        // Seeds 1-8: held-out MSE 0.170 to 0.188 (margin 0.022 to 0.21), accuracy 0.699 to 0.755 (margin 0.049 to 0.65).
        // Margin 0.022 = 3.6 SD (SD 0.0061 over 8 seeds; per-pair SE 0.0069); 0.049 = 2.6 SD (SD 0.019; SE 0.014).
        run.HeldOut.Mse.Should().BeLessThan(0.21, "its logit has an interaction term, so it separates same from different on images it never saw");
        run.HeldOut.Accuracy.Should().BeGreaterThan(0.65, "it answers well above chance (still below the 3/4 a separable rule can reach: the MSE is the evidence)");
        run.LargestRelativeContrast.Should().BeGreaterThan(1e-2, "its logits do not add up");
    }

    [Fact]
    public void The_concat_head_learns_a_label_of_the_query_alone_on_held_out_real_pairs()
    {
        var run = RealImageRuns.Of(RealImageRuns.Profile.Get(FusionKind.Concat, LabelRule.QueryInFirstHalf));
        output.WriteLine(run.ToString());

        // Seeds 1-8: held-out MSE 0.056 to 0.134 (margin 0.026 to 0.16), accuracy 0.842 to 0.929 (margin 0.042 to 0.80).
        // Seeds 1 and 9-20 added (fixtures/reproduction/margins-2026-12-03/fashion-quick-query-seeds-9-20.csv): over 20 seeds
        // MSE 0.056 to 0.134 (seed 1, the worst), mean 0.089, SD 0.023: margin 0.026 = 1.2 SD, the threshold 3.2 SD from the
        // mean (per-pair SE 0.0095: 2.7 SE); accuracy 0.835 to 0.929, mean 0.887, SD 0.025: margin 0.035 = 1.4 SD, 3.5 SD
        // from the mean (SE 0.012). No seed crossed either; thresholds kept.
        run.HeldOut.Mse.Should().BeLessThan(0.16, "a label of one image is separable, so the same model learns it");
        run.HeldOut.Accuracy.Should().BeGreaterThan(0.80);
    }

    [Fact]
    public void The_concat_head_learns_all_zero_labels_on_held_out_real_pairs()
    {
        // Two epochs (the profile's): in all 8 seeds the held-out MSE reads 0.0000 from the first epoch on.
        var run = RealImageRuns.Of(RealImageRuns.Profile.Get(FusionKind.Concat, LabelRule.AllZeros));
        output.WriteLine(run.ToString());

        // Seeds 1-8: held-out MSE below 0.00005 (printed 0.0000) after every epoch; margin to 0.01, over 100x any seed's.
        run.HeldOut.Mse.Should().BeLessThan(0.01, "the optimiser works on real images");
    }

    private static readonly Profile Heads = Profile.Load("heads-fashion");


    [Theory]
    [InlineData(FusionKind.AbsDiff)]
    [InlineData(FusionKind.InferSent)]
    public void Other_heads_with_an_interaction_term_beat_the_separable_bound_on_same_category_labels_of_held_out_real_pairs(FusionKind head)
    {
        var run = RealImageRuns.Of(Heads.Get(head, LabelRule.SameCategory));
        output.WriteLine(run.ToString());

        // Seeds 1-8 of the heads-fashion profile (lr 0.05; fixtures/reproduction/heads-fashion.csv): AbsDiff held-out MSE
        // 0.155 to 0.201, accuracy 0.690 to 0.784; InferSent 0.152 to 0.200, 0.696 to 0.797. Margins: 0.019 or more to
        // 0.22, 0.04 or more to 0.65. Over seeds 1-8 that is 1.3 SD (AbsDiff, SD 0.015 and 0.031) and 1.4 / 1.6 SD (InferSent,
        // SD 0.014 and 0.029); per-pair SE at seed 1 0.0073 / 0.0064 and 0.015. Seeds 9-16 added
        // (fixtures/reproduction/margins-2026-12-03/heads-fashion-seeds-9-16.csv): each head misses the claim at one of them
        // (AbsDiff seed 11: 0.154 after epoch 7, 0.369 and accuracy 0.548 after epoch 8; InferSent seed 13 saturates at
        // 0.487), and InferSent seed 11 ends at 0.215 (0.005 inside). So at lr 0.05 the claim holds for most seeds, not
        // all: it is asserted for seed 1 (0.019 and 0.040 inside for AbsDiff, 0.068 and 0.147 for InferSent); thresholds kept.
        run.HeldOut.Mse.Should().BeLessThan(0.22, "|q - t| and [q, t, |q - t|, q * t] let the logit depend on both images at once");
        run.HeldOut.Accuracy.Should().BeGreaterThan(0.65, "well above chance (read against the 3/4 separable ceiling: the MSE is the evidence)");
        run.LargestRelativeContrast.Should().BeGreaterThan(1e-2, "its logits do not add up");
    }

    [Fact]
    public void The_sum_head_is_separable_and_ends_at_the_bound_like_the_concat_head()
    {
        var run = RealImageRuns.Of(Heads.Get(FusionKind.Sum, LabelRule.SameCategory));
        output.WriteLine(run.ToString());

        // Seeds 1-8 of the heads-fashion profile: held-out MSE 0.251 to 0.262 (margin 0.016 to 0.235), accuracy 0.475
        // to 0.523 (margin 0.045 to 0.07 from one half), like Concat's 0.257 to 0.292 and 0.476 to 0.527 there.
        // Margin 0.016 = 4.3 SD (SD 0.0038 over 8 seeds; per-pair SE 0.0028); 0.045 = 6.2 SD (SD 0.0072) = 2.8 SE.
        run.HeldOut.Mse.Should().BeGreaterThanOrEqualTo(0.235, "q + t through one linear layer is f(q) + g(t)");
        Math.Abs(run.HeldOut.Accuracy - 0.5).Should().BeLessThanOrEqualTo(0.07, "it is seen at chance, like Concat (an observation; theorem 4 allows up to 3/4)");
        run.LargestRelativeContrast.Should().BeLessThan(1e-4);
    }
}
