using XnorSpec.Data;
using XnorSpec.Model;

namespace XnorSpec.Training;

/// <summary>
/// Every setting of one training run. The defaults are the question's: ResNet18 encoders,
/// 3x128x128 images, 100 pairs per epoch, SGD(lr 0.001, momentum 0.01), MSE, 10 epochs.
/// The question does not state its batch size; profiles in fixtures/ choose one (see fixtures/reproduction/README.md).
/// </summary>
public sealed record Experiment
{
    public FusionKind Head { get; init; } = FusionKind.Concat;
    public LabelRule Labels { get; init; } = LabelRule.SameColour;
    public EncoderKind Encoder { get; init; } = EncoderKind.ResNet18;
    public PairData Data { get; init; } = PairData.Colours;
    public int ImageSize { get; init; } = 128;
    public int BatchSize { get; init; } = 10;
    public double LearningRate { get; init; } = 0.001;
    public double Momentum { get; init; } = 0.01;
    public int Epochs { get; init; } = 10;
    public int Pairs { get; init; } = 100;
    public long Seed { get; init; } = 1;

    /// <summary>Real-image data only: how many fixed test-split pairs score the model after every epoch.</summary>
    public int HeldOutPairs { get; init; } = 1000;

    [System.Text.Json.Serialization.JsonIgnore]
    public string Name => $"{Head.ToString().ToLowerInvariant()}/{Labels}";

    /// <summary>Batches per epoch; the last one is smaller when BatchSize does not divide Pairs.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int StepsPerEpoch => BatchSize > 0 ? (Pairs + BatchSize - 1) / BatchSize : 0; // 0 only for settings Validated() refuses

    /// <summary>
    /// Throws an ArgumentException naming the first invalid setting, its value and what is accepted. Which label
    /// rules the data takes is its pair source's to say (<see cref="PairSource.Accept"/>).
    /// </summary>
    public Experiment Validated()
    {
        if (!Enum.IsDefined(Head)) Fail(nameof(Head), Head, $"one of {string.Join(", ", Enum.GetNames<FusionKind>())}");
        if (!Enum.IsDefined(Labels)) Fail(nameof(Labels), Labels, $"one of {string.Join(", ", Enum.GetNames<LabelRule>())}");
        if (!Enum.IsDefined(Data)) Fail(nameof(Data), Data, $"one of {string.Join(", ", Enum.GetNames<PairData>())}");
        if (!Enum.IsDefined(Encoder)) Fail(nameof(Encoder), Encoder, $"one of {string.Join(", ", Enum.GetNames<EncoderKind>())}");
        if (!double.IsFinite(LearningRate) || LearningRate <= 0) Fail(nameof(LearningRate), LearningRate, "a finite number > 0");
        if (!double.IsFinite(Momentum) || Momentum < 0 || Momentum >= 1) Fail(nameof(Momentum), Momentum, "a number in [0, 1)");
        if (Epochs < 1) Fail(nameof(Epochs), Epochs, "an integer >= 1");
        if (Pairs < 1) Fail(nameof(Pairs), Pairs, "an integer >= 1");
        if (HeldOutPairs < 1) Fail(nameof(HeldOutPairs), HeldOutPairs, "an integer >= 1");
        if (BatchSize < 1 || BatchSize > Pairs) Fail(nameof(BatchSize), BatchSize, $"an integer from 1 to Pairs ({Pairs})");
        var minimum = Encoders.MinimumImageSize(Encoder);
        // Training-mode BatchNorm needs more than one value per channel: a single image of the minimum
        // size reaches the encoder's last block as 1x1 (ResNet18 at 32x32), so batch size 1 needs twice the side.
        if (BatchSize == 1 || Pairs % BatchSize == 1) minimum *= 2;
        if (ImageSize < minimum) Fail(nameof(ImageSize), ImageSize, $"an integer >= {minimum} for {Encoder} at batch size {BatchSize}");
        return this;
    }

    private static void Fail(string setting, object value, string accepted) =>
        throw new ArgumentException($"Setting {setting} = {value} is invalid; accepted: {accepted}.", setting);
}
