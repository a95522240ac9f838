using TorchSharp;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace XnorSpec.Runtime;

/// <summary>
/// Loads libtorch through TorchSharp once, and turns a failure into one message that names the
/// library, the cause and the fix (TorchSharp's own message blames a missing package reference).
/// </summary>
public static class NativeBackend
{
    private static readonly Lazy<string> Loaded = new(Load);

    /// <summary>Loads the backend or throws <see cref="NativeBackendException"/>; returns a one-line description.</summary>
    public static string EnsureLoaded() => Loaded.Value;

    /// <summary>
    /// Uses <paramref name="count"/> intra-op threads until the result is disposed, then the previous
    /// count again. With libtorch's OpenMP build the count is the calling thread's setting, so set
    /// and restore happen on the thread that trains.
    /// </summary>
    public static IDisposable UseThreads(int count)
    {
        EnsureLoaded();
        int previous = get_num_threads();
        set_num_threads(count);
        return new Restore(() => set_num_threads(previous));
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    private static string Load()
    {
        try
        {
            InitializeSilently();
            // XNORSPEC_THREADS pins libtorch's intra-op threads, e.g. to share a small machine between two runs.
            if (int.TryParse(Environment.GetEnvironmentVariable("XNORSPEC_THREADS"), out var threads) && threads > 0)
                set_num_threads(threads);
            return $"TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version} on libtorch, {get_num_threads()} threads";
        }
        catch (Exception e) when (e is not NativeBackendException)
        {
            throw new NativeBackendException(Diagnose(AppContext.BaseDirectory), e);
        }
    }

    /// <summary>
    /// TorchSharp prints its own load trace on standard output before it throws; the one message
    /// this class gives replaces it, so the trace is held back.
    /// </summary>
    private static void InitializeSilently()
    {
        var console = Console.Out;
        Console.SetOut(TextWriter.Null);
        try { InitializeDeviceType(DeviceType.CPU); }
        finally { Console.SetOut(console); }
    }

    /// <summary>Explains why libLibTorchSharp.so under <paramref name="baseDirectory"/> does not load.</summary>
    public static string Diagnose(string baseDirectory)
    {
        var name = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "LibTorchSharp.dll"
            : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "libLibTorchSharp.dylib" : LibStdCxxCompat.TorchSharpLibrary;
        var copies = Directory.Exists(baseDirectory) ? Directory.GetFiles(baseDirectory, name, SearchOption.AllDirectories) : Array.Empty<string>();
        if (copies.Length == 0)
            return $"{name} was not found under {baseDirectory}. Cause: the TorchSharp native packages were not restored or copied. "
                 + "Fix: run `dotnet build` (it restores TorchSharp and libtorch-cpu) and start the program from its build output.";

        var library = copies[0];
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
        {
            var (required, weak) = LibStdCxxCompat.Requirement(File.ReadAllBytes(library), LibStdCxxCompat.NeededVersion);
            if (required && !weak && !LibStdCxxCompat.SystemLibStdCxxDefines(LibStdCxxCompat.NeededVersion))
                return $"{library} requires {LibStdCxxCompat.NeededVersion} (GCC 13's libstdc++), which this system's "
                     + $"{LibStdCxxCompat.FindSystemLibStdCxx() ?? "libstdc++.so.6"} lacks. "
                     + "Fix: build with `dotnet build` so the XnorSpec build step marks that requirement weak in the output copy "
                     + "(src/build/LibStdCxxCompat.targets), or install a libstdc++ from GCC 13 or newer.";
        }

        var loaderSays = NativeLibrary.TryLoad(library, out var handle) ? null : LoaderError(library);
        if (handle != IntPtr.Zero) NativeLibrary.Free(handle);
        return loaderSays != null
            ? $"{library} could not be loaded: {loaderSays} Fix: install the missing system library it names, or rebuild with `dotnet build`."
            : $"{library} loads, but TorchSharp could not initialise libtorch from {Path.GetDirectoryName(library)}. "
              + "Fix: make sure the libtorch-cpu package's libraries (libtorch.so, libc10.so, libtorch_cpu.so) sit beside it; `dotnet build` copies them.";
    }

    private static string OneLine(string text) => System.Text.RegularExpressions.Regex.Replace(text.Trim(), @"\s*\n\s*", " ");

    private static string LoaderError(string library)
    {
        try { NativeLibrary.Load(library); return "the dynamic loader refused it."; }
        catch (DllNotFoundException e) { return OneLine(e.Message); }
        catch (BadImageFormatException e) { return OneLine(e.Message); }
    }
}

public sealed class NativeBackendException(string message, Exception inner) : Exception("Cannot start libtorch. " + message, inner);
