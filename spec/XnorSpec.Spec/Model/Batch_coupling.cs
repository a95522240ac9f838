using FluentAssertions;
using TorchSharp;
using XnorSpec.Data;
using XnorSpec.Model;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Model;

/// <summary>
/// In training mode BatchNorm normalises an image with its batch's statistics, so SmallCnn's features of one image
/// depend on the other images of its batch; SmallCnnGroupNorm, SmallCnn with GroupNorm in place of BatchNorm, has no
/// such coupling (the BatchNorm ablation, fixtures/reproduction/bn-ablation).
/// </summary>
public sealed class Batch_coupling(ITestOutputHelper output) : IDisposable
{
    private const int Size = 32;
    private readonly DisposeScope scope = NewDisposeScope();

    public void Dispose() => scope.Dispose();

    private static Tensor Noise(long seed) => rand(new long[] { 3, Size, Size }, generator: new Generator((ulong)seed));

    /// <summary>The image under test, then companions: solid black, solid white, noise, and a mix.</summary>
    private static IEnumerable<(string Name, Tensor[] Others)> Companions() =>
    [
        ("nine black images", Enumerable.Repeat(SolidImages.Image(Colour.Black, Size), 9).ToArray()),
        ("nine white images", Enumerable.Repeat(SolidImages.Image(Colour.White, Size), 9).ToArray()),
        ("nine noise images", Enumerable.Range(100, 9).Select(s => Noise(s)).ToArray()),
        ("black, white and noise", [SolidImages.Image(Colour.Black, Size), SolidImages.Image(Colour.White, Size), Noise(200)]),
    ];

    /// <summary>The largest difference, over the images under test and the companions, between an image's features alone and in a batch.</summary>
    private double LargestBatchEffect(EncoderKind kind)
    {
        random.manual_seed(3);
        using var encoder = Encoders.Create(kind);
        encoder.train();
        double largest = 0;
        foreach (var image in new[] { Noise(1), SolidImages.Image(Colour.White, Size), SolidImages.Image(Colour.Black, Size) })
        {
            var alone = encoder.call(image.unsqueeze(0))[0];
            foreach (var (name, others) in Companions())
            {
                var inBatch = encoder.call(stack([image, .. others]))[0];
                double difference = (inBatch - alone).abs().max().item<float>();
                output.WriteLine($"{kind}, {name}: largest feature difference {difference:G3} (features up to {alone.abs().max().item<float>():F3})");
                largest = Math.Max(largest, difference);
            }
        }
        return largest;
    }

    [Fact]
    public void In_training_mode_an_images_SmallCnnGroupNorm_features_do_not_depend_on_the_other_images_of_its_batch()
    {
        // Only float rounding may differ (a batch's convolution can take another kernel path); features are of order 1.
        LargestBatchEffect(EncoderKind.SmallCnnGroupNorm).Should().BeLessThan(1e-5);
    }

    [Fact]
    public void In_training_mode_an_images_SmallCnn_features_depend_on_the_other_images_of_its_batch_through_BatchNorm()
    {
        LargestBatchEffect(EncoderKind.SmallCnn).Should().BeGreaterThan(0.1, "BatchNorm normalises each image with its batch's statistics");
    }

    [Fact]
    public void SmallCnnGroupNorm_is_SmallCnn_with_GroupNorm_in_place_of_BatchNorm_88_696_parameters_and_1000_features_an_image()
    {
        using var batchNorm = Encoders.Create(EncoderKind.SmallCnn);
        using var groupNorm = Encoders.Create(EncoderKind.SmallCnnGroupNorm);
        groupNorm.train();

        groupNorm.call(stack([Noise(1), Noise(2), Noise(3)])).shape.Should().Equal(3, 1000);
        Encoders.FeatureSize(EncoderKind.SmallCnnGroupNorm).Should().Be(1000);
        groupNorm.parameters().Sum(p => p.numel()).Should().Be(88_696);
        // The same layers and parameter shapes, BatchNorm's bnN renamed gnN; no running statistics, so no buffers at all.
        groupNorm.named_parameters().Select(p => (p.name.Replace("gn", "bn"), string.Join("x", p.parameter.shape)))
            .Should().Equal(batchNorm.named_parameters().Select(p => (p.name, string.Join("x", p.parameter.shape))));
        groupNorm.buffers().Should().BeEmpty();
        var norms = groupNorm.named_modules().Where(m => m.module is TorchSharp.Modules.GroupNorm).ToArray();
        norms.Select(m => m.name).Should().Equal("gn1", "gn2", "gn3");
    }

    [Fact]
    public void Its_GroupNorm_layers_start_at_weight_one_and_bias_zero_and_one_seed_gives_it_SmallCnns_other_weights()
    {
        // TorchSharp 0.107 leaves GroupNorm's weight and bias unfilled; the encoder fills them as PyTorch does.
        random.manual_seed(5);
        using var batchNorm = Encoders.Create(EncoderKind.SmallCnn);
        random.manual_seed(5);
        using var groupNorm = Encoders.Create(EncoderKind.SmallCnnGroupNorm);

        foreach (var (name, parameter) in groupNorm.named_parameters().Where(p => p.name.StartsWith("gn")))
            parameter.Should().Match<Tensor>(p => p.eq(name.EndsWith("weight") ? 1f : 0f).all().item<bool>(), $"{name} starts as PyTorch's GroupNorm");
        // Filling them draws no random numbers: the convolutions and the Linear are SmallCnn's, so the ablation changes only the normalisation.
        var batchNormWeights = batchNorm.named_parameters().Where(p => !p.name.StartsWith("bn")).ToArray();
        var groupNormWeights = groupNorm.named_parameters().Where(p => !p.name.StartsWith("gn")).ToArray();
        groupNormWeights.Select(p => p.name).Should().Equal(batchNormWeights.Select(p => p.name));
        groupNormWeights.Zip(batchNormWeights).Should().OnlyContain(p => p.First.parameter.eq(p.Second.parameter).all().item<bool>());
    }

    [Fact]
    public void SmallCnnGroupNorm_gives_the_same_features_in_training_and_eval_mode()
    {
        using var encoder = Encoders.Create(EncoderKind.SmallCnnGroupNorm);
        var batch = stack([Noise(1), SolidImages.Image(Colour.White, Size), SolidImages.Image(Colour.Black, Size)]);

        encoder.train();
        var training = encoder.call(batch);
        encoder.eval();
        var evaluation = encoder.call(batch);

        training.eq(evaluation).all().item<bool>().Should().BeTrue("GroupNorm keeps no running statistics: both modes compute the same thing");
    }
}
