using TorchSharp;
using static TorchSharp.torch;

namespace XnorSpec.Model;

/// <summary>Checks made in managed code so that bad input never reaches libtorch.</summary>
internal static class InputChecks
{
    public static void RequireImageBatch(Tensor images, string name, int minimumSize, Device device)
    {
        ArgumentNullException.ThrowIfNull(images, name);
        var shape = "[" + string.Join(", ", images.shape) + "]";
        if (images.dim() != 3 && images.dim() != 4)
            throw new ArgumentException($"{name} has shape {shape} (rank {images.dim()}); accepted: [3, H, W] for one image or [B, 3, H, W] for a batch.", name);
        if (images.dim() == 4 && images.shape[0] < 1)
            throw new ArgumentException($"{name} has shape {shape}: an empty batch; accepted: at least one image per batch.", name);
        var channels = images.shape[^3];
        if (channels != 3)
            throw new ArgumentException($"{name} has shape {shape} with {channels} channel(s); accepted: 3 (RGB) channels.", name);
        var height = images.shape[^2];
        var width = images.shape[^1];
        if (height < minimumSize || width < minimumSize)
            throw new ArgumentException($"{name} has shape {shape}: images of {height}x{width} are too small; accepted: at least {minimumSize}x{minimumSize}.", name);
        if (!images.dtype.IsFloatingPoint())
            throw new ArgumentException($"{name} has dtype {images.dtype}; accepted: float32 with values in [0, 1] (convert with .to(ScalarType.Float32) / 255).", name);
        if (images.dtype != ScalarType.Float32)
            throw new ArgumentException($"{name} has dtype {images.dtype}; accepted: float32, the dtype of the model's parameters.", name);
        if (images.device_type != device.type || (device.type == DeviceType.CUDA && images.device_index != device.index))
            throw new ArgumentException($"{name} is on device {images.device} but the model is on {device}; move it with .to(model's device).", name);
        using var finite = isfinite(images).all();
        if (!finite.item<bool>())
            throw new ArgumentException($"{name} contains NaN or infinite values; accepted: finite values in [0, 1].", name);
    }

    private static bool IsFloatingPoint(this ScalarType type) =>
        type is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64;
}
