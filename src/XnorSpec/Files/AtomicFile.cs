namespace XnorSpec.Files;

/// <summary>
/// Writes a file so that readers see either the old content or the new, never a part: the bytes go
/// to a temporary file in the same directory, are flushed to disk, and the file is renamed over the
/// target (rename is atomic within one file system). The temporary file's name carries the writer's
/// process id, so a later write of the same target can remove what a killed writer left behind.
/// </summary>
public static class AtomicFile
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
    /// Deletes temporary files of <paramref name="target"/> whose writer is no longer running (killed
    /// mid-write: SIGKILL, out of memory, power loss). A live writer's file is left alone.
    /// </summary>
    private static void RemoveOrphans(string target)
    {
        var prefix = $".{Path.GetFileName(target)}.";
        foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(target)!, prefix + "*.tmp"))
        {
            var tag = Path.GetFileName(file)[prefix.Length..^".tmp".Length];
            var dash = tag.IndexOf('-');
            if (dash <= 0 || !int.TryParse(tag[..dash], out var writer) || IsRunning(writer)) continue;
            try { File.Delete(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // the write itself succeeded; a leftover is only untidy
        }
    }

    private static bool IsRunning(int processId)
    {
        try { using var process = System.Diagnostics.Process.GetProcessById(processId); return !process.HasExited; }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { return false; } // no such process, or it just ended
        catch (Exception) { return true; } // cannot tell: keep its file
    }

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
            throw new ArgumentException($"Output directory '{directory}' cannot be written ({e.Message}). Choose another with --out.", nameof(directory), e);
        }
    }
}
