using FluentAssertions;
using TorchSharp;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using XnorSpec.Training;
using Xunit;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Model;

/// <summary>Two ResNet18 towers with their own parameters and a fusion head; [B] probabilities out.</summary>
public class Model_structure
{
    private const int Size = 32;

    private static PairModel NewModel(FusionKind head, long seed = 7) =>
        Trainer.NewModel(new Experiment { Head = head, Seed = seed, ImageSize = Size }, TestDevice.Current);

    [Theory]
    [InlineData(FusionKind.Concat)]
    [InlineData(FusionKind.Product)]
    public void A_batch_of_pairs_gives_one_probability_per_pair_strictly_between_zero_and_one(FusionKind head)
    {
        using var model = NewModel(head);
        using var scope = NewDisposeScope();
        var colours = new[] { Colour.Black, Colour.White, Colour.White, Colour.Black, Colour.White };
        var query = SolidImages.Batch(colours, Size, TestDevice.Current);
        var template = SolidImages.Batch(colours.Reverse().ToArray(), Size, TestDevice.Current);

        var output = model.call(query, template);

        output.shape.Should().Equal(5);
        output.gt(0).all().item<bool>().Should().BeTrue();
        output.lt(1).all().item<bool>().Should().BeTrue();
    }

    [Theory]
    [InlineData(FusionKind.Concat)]
    [InlineData(FusionKind.Product)]
    public void A_single_pair_of_3_by_H_by_W_images_gives_one_probability(FusionKind head)
    {
        using var model = NewModel(head);
        model.eval();
        using var scope = NewDisposeScope();

        var output = model.call(SolidImages.Image(Colour.Black, Size, TestDevice.Current), SolidImages.Image(Colour.White, Size, TestDevice.Current));

        output.shape.Should().Equal(1);
    }

    [Theory]
    [InlineData(EncoderKind.ResNet18, 11_689_512)]
    [InlineData(EncoderKind.SmallCnn, 88_696)]
    [InlineData(EncoderKind.SmallCnnGroupNorm, 88_696)]
    public void Every_encoder_gives_1000_features_per_image_from_parameters_of_its_own(EncoderKind kind, long parameters)
    {
        using var first = Encoders.Create(kind);
        using var second = Encoders.Create(kind);
        using var scope = NewDisposeScope();
        first.eval();

        first.call(SolidImages.Batch([Colour.Black, Colour.White], Size, TestDevice.Current).cpu()).shape.Should().Equal(2, Encoders.FeatureSize(kind));
        Encoders.FeatureSize(kind).Should().Be(1000, "every head is built for ResNet18's 1000 outputs");
        first.parameters().Sum(p => p.numel()).Should().Be(parameters);
        // New tensors every call; the randomly initialised ones (convolutions, linear) differ. BatchNorm's start at 1 and 0 in both.
        first.parameters().Zip(second.parameters()).Should().OnlyContain(p => !ReferenceEquals(p.First, p.Second), "every call builds new parameters");
        first.parameters().Zip(second.parameters()).Where(p => p.First.dim() > 1).Should().OnlyContain(p => !p.First.allclose(p.Second, 0, 0, false),
            "weights are initialised independently");
    }

    [Fact]
    public void The_two_encoders_are_distinct_modules_with_distinct_parameters_in_every_model()
    {
        using var first = NewModel(FusionKind.Concat);
        using var second = NewModel(FusionKind.Concat);

        first.QueryEncoder.Should().NotBeSameAs(first.TemplateEncoder);
        first.QueryEncoder.Should().NotBeSameAs(second.QueryEncoder, "each model builds its own encoders (the question's default argument would share them)");
        var query = first.QueryEncoder.parameters().First();
        var template = first.TemplateEncoder.parameters().First();
        query.allclose(template).Should().BeFalse();
        ReferenceEquals(query, second.QueryEncoder.parameters().First()).Should().BeFalse();
    }

    [Theory]
    [InlineData(FusionKind.Concat, 2000)]
    [InlineData(FusionKind.Product, 1000)]
    public void The_head_is_one_linear_unit_over_the_fused_features(FusionKind head, int inputs)
    {
        using var model = NewModel(head);
        var weights = model.Head.parameters().ToArray();

        weights.Select(w => w.shape).Should().BeEquivalentTo(new[] { new long[] { 1, inputs }, new long[] { 1 } }, o => o.WithStrictOrdering());
        model.state_dict().Keys.Count(k => k.StartsWith("queryEncoder.")).Should().Be(model.state_dict().Keys.Count(k => k.StartsWith("templateEncoder.")));
    }

    [Theory]
    [InlineData(FusionKind.Concat)]
    [InlineData(FusionKind.Product)]
    public void One_training_step_changes_both_encoders_and_the_head(FusionKind head)
    {
        using var model = NewModel(head);
        var before = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

        new ColourSource().Train(model, new Experiment { Head = head, ImageSize = Size, Pairs = 10, BatchSize = 10, Epochs = 1, LearningRate = 0.01 }, TestDevice.Current, null, default);

        bool Changed(string prefix) => model.named_parameters().Where(p => p.name.StartsWith(prefix))
            .Any(p => !p.parameter.detach().allclose(before[p.name]));
        Changed("queryEncoder.").Should().BeTrue();
        Changed("templateEncoder.").Should().BeTrue();
        Changed("head.").Should().BeTrue();
        foreach (var t in before.Values) t.Dispose();
    }

    [Fact]
    public void WithNewHead_shares_the_encoders_as_the_questions_default_arguments_do()
    {
        using var model = NewModel(FusionKind.Concat);
        var product = model.WithNewHead(FusionKind.Product);

        product.QueryEncoder.Should().BeSameAs(model.QueryEncoder);
        product.Head.Should().NotBeSameAs(model.Head);
        product.Fusion.Should().Be(FusionKind.Product);
    }
}
