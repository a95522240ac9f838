using FluentAssertions;
using TorchSharp;
using FsCheck;
using FsCheck.Xunit;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using XnorSpec.Training;
using Xunit;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Model;

/// <summary>Bad tensors and settings are refused in managed code with a message naming the argument and what is accepted.</summary>
public class Bad_input : IDisposable
{
    private const int Size = 32;
    // One ResNet18 pair model for every spec here: each bad input is refused before it reaches the
    // model, so nothing changes it (building one per spec cost 0.35 s each).
    private static readonly Lazy<PairModel> Shared = new(() => Trainer.NewModel(new Experiment { ImageSize = Size }, TestDevice.Current));
    private readonly PairModel model = Shared.Value; // built before this spec's dispose scope opens, so no scope owns it
    private readonly DisposeScope scope = NewDisposeScope();

    private Tensor Good(long batch = 2) => SolidImages.Batch(Enumerable.Repeat(Colour.White, (int)batch).ToArray(), Size, TestDevice.Current);

    public static TheoryData<string, long[]> BadShapes => new()
    {
        { "rank", new long[] { 2, 3, Size, Size, 1 } },
        { "rank", new long[] { 3, Size * Size } },
        { "channel", new long[] { 2, 1, Size, Size } },
        { "channel", new long[] { 2, 4, Size, Size } },
        { "too small", new long[] { 2, 3, 16, 16 } },
        { "empty batch", new long[] { 0, 3, Size, Size } },
    };

    [Theory]
    [MemberData(nameof(BadShapes))]
    public void A_query_of_the_wrong_shape_is_refused_naming_the_shape_and_what_is_accepted(string problem, long[] shape)
    {
        var act = () => model.call(zeros(shape, device: TestDevice.Current), Good());

        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "query" && e.Message.Contains("accepted") && e.Message.Contains("["),
            $"a {problem} problem must be explained");
    }

    [Fact]
    public void Query_and_template_batches_of_different_sizes_are_refused()
    {
        var act = () => model.call(Good(2), Good(3));

        act.Should().Throw<ArgumentException>().WithMessage("*batch size 2*3*same number*");
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Images_with_NaN_or_infinite_values_are_refused(float value)
    {
        var template = Good();
        template[0, 1, 3, 4] = value;

        var act = () => model.call(Good(), template);

        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "template" && e.Message.Contains("NaN or infinite"));
    }

    [Theory]
    [InlineData(ScalarType.Int32)]
    [InlineData(ScalarType.Byte)]
    [InlineData(ScalarType.Float64)]
    public void Images_of_another_dtype_than_float32_are_refused(ScalarType dtype)
    {
        var act = () => model.call(Good().to(dtype), Good());

        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "query" && e.Message.Contains("float32"));
    }

    [Fact]
    public void Images_on_another_device_than_the_model_are_refused_naming_both_devices()
    {
        // The meta device holds shapes without data: another device that every libtorch build has, GPU or not.
        using var elsewhere = zeros(new long[] { 2, 3, Size, Size }, device: new Device(DeviceType.META));

        var act = () => model.call(Good(), elsewhere);

        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "template" && e.Message.Contains("meta") && e.Message.Contains("model is on"));
    }

    public static IEnumerable<object[]> InvalidSettings()
    {
        var valid = new Experiment();
        yield return new object[] { nameof(Experiment.LearningRate), valid with { LearningRate = 0 } };
        yield return new object[] { nameof(Experiment.LearningRate), valid with { LearningRate = -0.1 } };
        yield return new object[] { nameof(Experiment.LearningRate), valid with { LearningRate = double.NaN } };
        yield return new object[] { nameof(Experiment.LearningRate), valid with { LearningRate = double.PositiveInfinity } };
        yield return new object[] { nameof(Experiment.Momentum), valid with { Momentum = 1 } };
        yield return new object[] { nameof(Experiment.Momentum), valid with { Momentum = -0.5 } };
        yield return new object[] { nameof(Experiment.Epochs), valid with { Epochs = 0 } };
        yield return new object[] { nameof(Experiment.BatchSize), valid with { BatchSize = 0 } };
        yield return new object[] { nameof(Experiment.BatchSize), valid with { BatchSize = 101 } };
        yield return new object[] { nameof(Experiment.Pairs), valid with { Pairs = 0 } };
        yield return new object[] { nameof(Experiment.ImageSize), valid with { ImageSize = 31 } };
        yield return new object[] { nameof(Experiment.ImageSize), valid with { ImageSize = 32, BatchSize = 1 } };
        // A last batch of one pair (21 pairs in batches of 10) needs twice the side too.
        yield return new object[] { nameof(Experiment.ImageSize), valid with { ImageSize = 32, Pairs = 21, BatchSize = 10 } };
        yield return new object[] { nameof(Experiment.Head), valid with { Head = (FusionKind)42 } };
        yield return new object[] { nameof(Experiment.Labels), valid with { Labels = (LabelRule)42 } };
    }

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void An_invalid_setting_is_refused_before_training_naming_the_setting_and_the_accepted_range(string setting, Experiment experiment)
    {
        var act = () => RunScores.Train(experiment);

        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == setting && e.Message.Contains("accepted"));
    }

    [Property]
    public bool Any_non_positive_learning_rate_or_epoch_count_or_batch_size_is_refused(NonNegativeInt magnitude, bool useDouble)
    {
        var experiments = new[]
        {
            new Experiment { LearningRate = -magnitude.Get * (useDouble ? 0.001 : 1) },
            new Experiment { Epochs = -magnitude.Get },
            new Experiment { BatchSize = -magnitude.Get },
            new Experiment { Pairs = -magnitude.Get },
            new Experiment { BatchSize = 100 + 1 + magnitude.Get },
        };
        return experiments.All(e => Throws(() => e.Validated()));
    }

    private static bool Throws(Action act)
    {
        try { act(); return false; }
        catch (ArgumentException e) { return e.Message.Contains("accepted"); }
    }

    public void Dispose()
    {
        scope.Dispose();
    }
}
