using XnorSpec.Runtime;
namespace XnorSpec.Files;

/// <summary>
/// Writes a file so that readers see either the old content or the new, never a part: the bytes go
/// to a temporary file in the same directory, are flushed to disk, and the file is renamed over the
/// target (rename is atomic within one file system). The temporary file's name carries the writer's
/// process id, so a later write of the same target can remove what a killed writer left behind.
/// </summary>
public static partial class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        RemoveOrphans(full);
    }

    /// <summary>
    /// Deletes temporary files of <paramref name="target"/> left by writers that died mid-write
    /// (SIGKILL, out of memory, power loss). A leftover's writer is gone when its process id runs
    /// nothing here, or runs a process started after the file was last written (the id was reused,
    /// as a container's process 1 is by every run). A process id that runs nothing here may belong
    /// to a writer in another PID namespace sharing the folder, so such a file must also be a minute old.
    /// </summary>
    private static void RemoveOrphans(string target)
    {
        var prefix = $".{Path.GetFileName(target)}.";
        try
        {
            foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(target)!))
            {
                var name = Path.GetFileName(file);
                if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
                var tag = TemporaryTag().Match(name[prefix.Length..]);
                if (!tag.Success || !int.TryParse(tag.Groups[1].Value, out var writer)) continue;
                if (WriterGone(writer, File.GetLastWriteTimeUtc(file))) File.Delete(file);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The write itself succeeded; a leftover that cannot be listed or removed is only untidy.
        }
    }

    private static readonly TimeSpan UnseenWriterGrace = TimeSpan.FromMinutes(1);

    private static bool WriterGone(int processId, DateTime lastWriteUtc)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return process.HasExited || process.StartTime.ToUniversalTime() > lastWriteUtc;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return DateTime.UtcNow - lastWriteUtc > UnseenWriterGrace; // no such process here
        }
        catch (Exception)
        {
            return false; // cannot tell: keep the file
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("^([0-9]+)-[0-9a-f]{32}\\.tmp$")]
    private static partial System.Text.RegularExpressions.Regex TemporaryTag();

    public static void WriteAllText(string path, string text) =>
        Write(path, stream => { using var writer = new StreamWriter(stream, leaveOpen: true); writer.Write(text); });

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, stream => stream.Write(bytes));

    /// <summary>
    /// Fails early, before any training, when <paramref name="directory"/> cannot be created or written.
    /// </summary>
    public static void EnsureWritableDirectory(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".write-probe-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RefusedSettingException($"Output directory '{directory}' cannot be written ({e.Message})", Remedy.ChooseOutputFolder);
        }
    }
}
