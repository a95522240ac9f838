using TorchSharp;
using static TorchSharp.torch;

namespace XnorSpec.Model;

public enum EncoderKind
{
    /// <summary>TorchVision's ResNet18 with its 1000-way output layer, randomly initialised, as in the question.</summary>
    ResNet18,

    /// <summary>
    /// Three stride-2 convolutions (16, 32, 64 channels) with BatchNorm and ReLU, global average pooling
    /// and a Linear(64, 1000): ResNet18's ingredients and output width at 0.8% of its parameters (88,696), so the
    /// quick fidelity trains in seconds. The fusion heads see the same 1000-d features either way.
    /// </summary>
    SmallCnn,

    /// <summary>
    /// Two stride-2 convolutions (8, 16 channels) with BatchNorm and ReLU, global average pooling and a
    /// Linear(16, 16): 1,688 parameters, so a PyTorch-written twin of the whole pair model fits in a
    /// committed fixture of a few KB (fixtures/pytorch). Its 16-d features are not ResNet18's 1000.
    /// </summary>
    TinyCnn,

    /// <summary>
    /// SmallCnn with GroupNorm in place of each BatchNorm: the same convolutions, channels, pooling and Linear(64, 1000),
    /// and the same 88,696 parameters, but no running statistics. Each image is normalised over its own channels, so in
    /// training mode an image's features do not depend on the other images of its batch (the BatchNorm ablation,
    /// fixtures/reproduction/bn-ablation).
    /// </summary>
    SmallCnnGroupNorm,
}

public static class Encoders
{
    private static string Valid => string.Join(", ", Enum.GetNames<EncoderKind>());

    /// <summary>Width of the encoder's output vector.</summary>
    public static int FeatureSize(EncoderKind kind) => kind switch
    {
        EncoderKind.ResNet18 or EncoderKind.SmallCnn or EncoderKind.SmallCnnGroupNorm => 1000,
        EncoderKind.TinyCnn => 16,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Unknown encoder; valid: {Valid}."),
    };

    /// <summary>The smallest square input the encoder accepts: its total downsampling (ResNet18 32, SmallCnn and SmallCnnGroupNorm 8, TinyCnn 4).</summary>
    public static int MinimumImageSize(EncoderKind kind) => kind switch { EncoderKind.SmallCnn or EncoderKind.SmallCnnGroupNorm => 8, EncoderKind.TinyCnn => 4, _ => 32 };

    /// <summary>A fresh, untrained encoder. Every call builds new parameters: encoders are never shared.</summary>
    public static nn.Module<Tensor, Tensor> Create(EncoderKind kind) => kind switch
    {
        EncoderKind.ResNet18 => torchvision.models.resnet18(num_classes: FeatureSize(kind)),
        EncoderKind.SmallCnn => SmallCnn(),
        EncoderKind.TinyCnn => TinyCnn(),
        EncoderKind.SmallCnnGroupNorm => SmallCnnGroupNorm(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Unknown encoder; valid: {Valid}."),
    };

    private static nn.Module<Tensor, Tensor> SmallCnn() => nn.Sequential(
        ("conv1", nn.Conv2d(3, 16, 3, stride: 2, padding: 1, bias: false)), ("bn1", nn.BatchNorm2d(16)), ("relu1", nn.ReLU()),
        ("conv2", nn.Conv2d(16, 32, 3, stride: 2, padding: 1, bias: false)), ("bn2", nn.BatchNorm2d(32)), ("relu2", nn.ReLU()),
        ("conv3", nn.Conv2d(32, 64, 3, stride: 2, padding: 1, bias: false)), ("bn3", nn.BatchNorm2d(64)), ("relu3", nn.ReLU()),
        ("pool", nn.AdaptiveAvgPool2d(1)), ("flatten", nn.Flatten()),
        ("fc", nn.Linear(64, FeatureSize(EncoderKind.SmallCnn))));

    private static nn.Module<Tensor, Tensor> SmallCnnGroupNorm() => nn.Sequential(
        ("conv1", nn.Conv2d(3, 16, 3, stride: 2, padding: 1, bias: false)), ("gn1", GroupNorm(16)), ("relu1", nn.ReLU()),
        ("conv2", nn.Conv2d(16, 32, 3, stride: 2, padding: 1, bias: false)), ("gn2", GroupNorm(32)), ("relu2", nn.ReLU()),
        ("conv3", nn.Conv2d(32, 64, 3, stride: 2, padding: 1, bias: false)), ("gn3", GroupNorm(64)), ("relu3", nn.ReLU()),
        ("pool", nn.AdaptiveAvgPool2d(1)), ("flatten", nn.Flatten()),
        ("fc", nn.Linear(64, FeatureSize(EncoderKind.SmallCnnGroupNorm))));

    private static TorchSharp.Modules.GroupNorm GroupNorm(long channels)
    {
        // 8 groups in every layer (2, 4, 8 channels each): never one channel per group, which on a 1x1 map (8x8 inputs at conv3) would normalise a single value to 0.
        var norm = nn.GroupNorm(8, channels);
        // TorchSharp 0.107 allocates GroupNorm's weight and bias with torch.empty and never fills them; PyTorch starts them at 1 and 0.
        // Filling draws no random numbers, so a seed gives the convolutions and the Linear the same weights as SmallCnn's.
        nn.init.ones_(norm.weight!);
        nn.init.zeros_(norm.bias!);
        return norm;
    }

    private static nn.Module<Tensor, Tensor> TinyCnn() => nn.Sequential(
        ("conv1", nn.Conv2d(3, 8, 3, stride: 2, padding: 1, bias: false)), ("bn1", nn.BatchNorm2d(8)), ("relu1", nn.ReLU()),
        ("conv2", nn.Conv2d(8, 16, 3, stride: 2, padding: 1, bias: false)), ("bn2", nn.BatchNorm2d(16)), ("relu2", nn.ReLU()),
        ("pool", nn.AdaptiveAvgPool2d(1)), ("flatten", nn.Flatten()),
        ("fc", nn.Linear(16, FeatureSize(EncoderKind.TinyCnn))));
}
