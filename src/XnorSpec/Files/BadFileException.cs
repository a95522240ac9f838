using XnorSpec.Runtime;

namespace XnorSpec.Files;

/// <summary>A file the user gave us that we cannot use; the message names the file, the problem and the fix.</summary>
public sealed class BadFileException : Exception, IRemediable
{
    /// <summary>A fix particular to this file, in words.</summary>
    public BadFileException(string path, string problem, string fix) : this(path, problem, fix, null, []) { }

    /// <summary>A fix that is a <see cref="Runtime.Remedy"/>, which a front end words as its own command.</summary>
    public BadFileException(string path, string problem, Remedy remedy, params string[] choices)
        : this(path, problem, Remedies.Plain(remedy, choices), remedy, choices) { }

    private BadFileException(string path, string problem, string fix, Remedy? remedy, string[] choices) : base($"{path}: {problem}. {fix}")
    {
        (FilePath, Problem, Remedy, Choices) = (path, problem, remedy, choices);
    }

    public string FilePath { get; }
    public string Problem { get; }
    public string WhatIsWrong => $"{FilePath}: {Problem}";
    public Remedy? Remedy { get; }
    public IReadOnlyList<string> Choices { get; }
}
