using System.CommandLine;

namespace XnorSpec.Cli;

/// <summary>
/// The whole program behind one call: Program.cs hands it the process's arguments, and the specs
/// call it in their own process (console captured) where the process boundary is not the claim.
/// </summary>
public static class CommandLine
{
    public static int Run(string[] args) => ExitCodes.Run(Root(), args);

    /// <summary>What the parser says of a command line without running it: the documentation specs check every command the docs show.</summary>
    public static IReadOnlyList<string> ParseErrors(string[] args) => Root().Parse(args).Errors.Select(e => e.Message).ToList();

    private static RootCommand Root() => new("""
        XnorSpec: why a two-tower model with a concat-linear head cannot learn "same colour", reproduced
        with real ResNet18 training on TorchSharp.

        Start here:
          xnor-spec reproduce --profile quick     (a small encoder on 32x32 images: about 7 seconds on 2 CPU cores)
          xnor-spec reproduce                     (the question's configuration, under 10 minutes)

        The maintainer's tools (bench, study, spec-doc, compare, limits) are in xnor-spec-tools.
        """)
    {
        ReproduceCommand.Create(),
        TrainCommand.Create(),
        PredictCommand.Create(),
        CheckCommand.Create(),
        ExportCommand.Create(),
        ExportCommand.CreateImport(),
        HeadsCommand.Create(),
    };
}
