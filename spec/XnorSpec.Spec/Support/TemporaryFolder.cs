namespace XnorSpec.Spec.Support;

/// <summary>
/// A folder under the temporary directory (TMPDIR when set), deleted with its contents on Dispose, so
/// that a run of the specs leaves nothing behind in a temporary directory shared with other work.
/// </summary>
public sealed class TemporaryFolder(string prefix) : IDisposable
{
    public string Location { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public void Dispose() => Directory.Delete(Location, recursive: true);
}
