using TorchSharp;
using static TorchSharp.torch;

namespace XnorSpec.Runtime;

/// <summary>The one place a device is chosen: "auto" (CUDA when available, else CPU), "cpu" or "cuda".</summary>
public static class Devices
{
    public const string EnvironmentVariable = "XNORSPEC_DEVICE";

    /// <summary>The device's name and, for the CPU, whether CUDA was there to choose, so `auto` says what it fell back from.</summary>
    public static string Describe(Device device) =>
        device.type == DeviceType.CUDA ? "cuda" : cuda.is_available() ? "cpu" : "cpu (CUDA is not available)";

    public static Device Resolve(string? choice)
    {
        NativeBackend.EnsureLoaded();
        choice = string.IsNullOrWhiteSpace(choice) ? Environment.GetEnvironmentVariable(EnvironmentVariable) : choice;
        switch ((choice ?? "auto").Trim().ToLowerInvariant())
        {
            case "auto": return cuda.is_available() ? CUDA : CPU;
            case "cpu": return CPU;
            case "cuda":
                if (!cuda.is_available())
                    throw new RefusedSettingException("Device 'cuda' was requested but CUDA is not available: this build uses the CPU libtorch "
                        + "or no GPU is visible", Remedy.UseCpu);
                return CUDA;
            default:
                throw new ArgumentException($"Unknown device '{choice}'; accepted: auto, cpu, cuda.", nameof(choice));
        }
    }
}
