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

    [DllImport("libc", EntryPoint = "malloc")]
    private static extern nint Malloc(nuint size);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void Free(nint block);

    private static bool available = OperatingSystem.IsLinux();
    private static int thresholdsRaised;

    /// <summary>
    /// Lets glibc keep a training step's freed blocks for the next step. Its mmap and trim thresholds start at
    /// 128 KB and rise only when the process first frees a larger mmapped block; until then every step hands its
    /// activations back to the kernel and faults them in again (340 to 1,000 page faults a SmallCnn step, about
    /// half its time in this project's virtual machines; src/bench/README.md). Freeing one 8 MB block once does
    /// what any longer-lived process has done already: thresholds of 8 MB (mmap) and 16 MB (trim). The epoch-end
    /// <see cref="ReturnFreedMemory"/> still hands everything back.
    /// </summary>
    public static void KeepFreedBlocksBetweenSteps()
    {
        if (!available || Interlocked.Exchange(ref thresholdsRaised, 1) == 1) return;
        try { Free(Malloc(8 << 20)); }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { available = false; }
    }

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
