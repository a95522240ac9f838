namespace XnorSpec.Files;

/// <summary>A file the user gave us that we cannot use; the message names the file, the problem and the fix.</summary>
public sealed class BadFileException(string path, string problem, string fix)
    : Exception($"{path}: {problem}. {fix}")
{
    public string FilePath { get; } = path;
    public string Problem { get; } = problem;
}
