using TorchSharp;
using static TorchSharp.torch;

namespace XnorSpec.Model;

public enum EncoderKind
{
    /// <summary>TorchVision's ResNet18 with its 1000-way output layer, randomly initialised, as in the question.</summary>
    ResNet18,
}

public static class Encoders
{
    /// <summary>Width of the encoder's output vector.</summary>
    public static int FeatureSize(EncoderKind kind) => kind switch
    {
        EncoderKind.ResNet18 => 1000,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown encoder; valid: ResNet18."),
    };

    /// <summary>The smallest square input the encoder accepts: ResNet18 downsamples by 32.</summary>
    public static int MinimumImageSize(EncoderKind kind) => 32;

    /// <summary>A fresh, untrained encoder. Every call builds new parameters: encoders are never shared.</summary>
    public static nn.Module<Tensor, Tensor> Create(EncoderKind kind) => kind switch
    {
        EncoderKind.ResNet18 => torchvision.models.resnet18(num_classes: FeatureSize(kind)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown encoder; valid: ResNet18."),
    };
}
