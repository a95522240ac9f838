using System.Diagnostics;
using System.Runtime.CompilerServices;

// For OutputLock.RemovingRecord, the one seam the specs need into this file (see there).
[assembly: InternalsVisibleTo("XnorSpec.Spec")]

namespace XnorSpec.Files;

/// <summary>
/// One writer per output: a run takes this lock on its output folder (or file) before it trains and
/// holds it to its end, so two runs cannot mix their files. It is an advisory flock(2) on a hidden
/// lock file, which .NET takes for FileShare.None; the kernel drops it when the holder's process ends
/// in any way, SIGKILL included, so a killed run never blocks the next. A file locked that way cannot
/// be opened by anyone else, so the holder says who it is in a second file beside it.
/// </summary>
public sealed class OutputLock : IDisposable
{
    // What .NET reports (as the IOException's HResult) when flock finds the file locked: EWOULDBLOCK on Linux.
    private const int HeldByAnother = 11;

    private readonly FileStream held;
    private readonly string ownerFile;

    private OutputLock(FileStream held, string ownerFile) => (this.held, this.ownerFile) = (held, ownerFile);

    /// <summary>Locks <paramref name="folder"/> (created if missing) through its .xnor-spec.lock.</summary>
    public static OutputLock OnFolder(string folder) => Take(folder, Path.Combine(folder, ".xnor-spec.lock"));

    /// <summary>Locks <paramref name="file"/> (which need not exist yet) through .NAME.lock beside it.</summary>
    public static OutputLock OnFile(string file) =>
        Take(file, Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, $".{Path.GetFileName(file)}.lock"));

    private static OutputLock Take(string output, string lockFile)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(lockFile))!);
        var ownerFile = lockFile + ".owner";
        FileStream held;
        try
        {
            held = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e.GetType() == typeof(IOException) && e.HResult == HeldByAnother)
        {
            throw new OutputInUseException(output, Holder(ownerFile));
        }
        // The lock file stays: deleting it on release would let a later run lock a new file of the same
        // name while a waiting one locks the old, unlinked one.
        AtomicFile.WriteAllText(ownerFile, $"{Environment.ProcessId}\n{DescribeThisProcess()}\n");
        return new OutputLock(held, ownerFile);
    }

    /// <summary>Who holds the lock, from the record it writes just after taking it (read again briefly if not there yet).</summary>
    private static string Holder(string ownerFile)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var lines = File.ReadAllLines(ownerFile);
                if (lines.Length >= 2 && int.TryParse(lines[0], out int pid) && IsRunning(pid)) return $"process {pid} ({lines[1]})";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not written yet, or unreadable: try again, then say what is known.
            }
            if (clock.Elapsed > TimeSpan.FromSeconds(1)) return "another process (it has not said which)";
            Thread.Sleep(50);
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    private static string DescribeThisProcess()
    {
        using var self = Process.GetCurrentProcess();
        var command = string.Join(' ', Environment.GetCommandLineArgs().Select((a, i) => i == 0 ? Path.GetFileName(a) : a));
        return $"{command}, started {self.StartTime.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z on {Environment.MachineName}";
    }

    /// <summary>
    /// A seam for the specs (One_writer_per_output), null otherwise: called with the record's path just before a
    /// holder removes it, in the same statement, so a spec can try to take the lock at that very moment and see
    /// that it is still held (a run that let go first would remove the record of the next holder).
    /// </summary>
    internal static Action<string>? RemovingRecord;

    public void Dispose()
    {
        // The record goes first, while the lock is still held, so it never names a process that has let go.
        try { RemovingRecord?.Invoke(ownerFile); File.Delete(ownerFile); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        held.Dispose();
    }
}

/// <summary>Another run holds the output this run would write.</summary>
public sealed class OutputInUseException(string output, string holder)
    : IOException($"{output} is in use by another run: {holder}. Wait for it to finish, or write somewhere else.")
{
    public string Output { get; } = output;
}
