using System.CommandLine;

namespace XnorSpec.Tools;

/// <summary>
/// The maintainer's tools behind one call, as <see cref="XnorSpec.Cli.CommandLine"/> is the user's
/// program: Program.cs hands it the process's arguments, and the specs call it in their own process.
/// </summary>
public static class CommandLine
{
    public const string Program = "xnor-spec-tools";

    public static int Run(string[] args) => ExitCodes.Run(Root(), args, Program);

    /// <summary>What the parser says of a command line without running it: the documentation specs check every command the docs show.</summary>
    public static IReadOnlyList<string> ParseErrors(string[] args) => Root().Parse(args).Errors.Select(e => e.Message).ToList();

    private static RootCommand Root() => new("""
        XnorSpec's maintainer tools: benchmarks, the reproduction study, the spec document, the limits
        picture and the PyTorch comparison. The user's commands (reproduce, train, predict, heads,
        check, export, import) are in xnor-spec.

        Start here:
          xnor-spec-tools bench --short             (throughput against this machine's sgemm ceiling: under a minute)
          xnor-spec-tools spec-doc --check          (is spec/SPEC.md current with TestResults/spec.trx?)
        """)
    {
        BenchCommand.Create(),
        StudyCommand.Create(),
        StudyCommand.CreateSummary(),
        SpecDocCommand.Create(),
        CompareCommand.Create(),
        LimitsCommand.Create(),
    };
}
