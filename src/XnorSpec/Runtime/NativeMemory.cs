using System.Runtime.InteropServices;

namespace XnorSpec.Runtime;

/// <summary>
/// Hands memory that libtorch has freed back to the operating system. glibc keeps the freed blocks
/// of large tensors in its heaps, so without this the resident size wanders by about +-10% from epoch
/// to epoch while the live tensors stay flat (measured by `xnor-spec bench`, src/bench/README.md).
/// </summary>
public static class NativeMemory
{
    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    private static bool available = OperatingSystem.IsLinux();

    /// <summary>Called once per epoch: a few milliseconds against seconds of training.</summary>
    public static void ReturnFreedMemory()
    {
        if (!available) return;
        try { MallocTrim(0); }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            available = false; // a C library without malloc_trim (musl): nothing to return this way
        }
    }
}
