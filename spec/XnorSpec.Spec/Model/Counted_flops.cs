using FluentAssertions;
using XnorSpec.Model;
using Xunit;

namespace XnorSpec.Spec.Model;

/// <summary>The FLOP count behind the benchmark's efficiency figures agrees with ResNet18's published cost.</summary>
public class Counted_flops
{
    [Fact]
    public void ResNet18_costs_about_3_6_GFLOP_at_224_pixels_and_1_19_at_128()
    {
        // Published: 1.8 G multiply-adds at 224x224 (He et al. 2016, Table 1), i.e. 3.6 GFLOP.
        (Flops.ResNet18Forward(224) / 1e9).Should().BeApproximately(3.63, 0.02);
        (Flops.ResNet18Forward(128) / 1e9).Should().BeApproximately(1.19, 0.01);
    }

    [Fact]
    public void A_training_epoch_counts_forward_and_backward_for_both_images_of_every_pair()
    {
        Flops.TrainingEpoch(pairs: 100, imageSize: 128).Should().BeApproximately(600 * Flops.ResNet18Forward(128), 1);
    }
}
