using Spectre.Console;
using XnorSpec.Cli;

namespace XnorSpec.Spec.Support;

/// <summary>
/// Runs the program's entry point, <see cref="CommandLine.Run"/>, inside the test process: the same
/// parsing, validation, commands and exit codes as `xnor-spec`, without a process start and
/// libtorch load per call (about 0.3 to 0.8 s each). Standard output, standard error and the
/// table console are captured and restored afterwards; the working directory is the repository
/// root, as for <see cref="CliProcess"/>. Specs about signals, killed processes, replays across
/// processes or a broken native library start the real process instead.
/// </summary>
public static class CliInProcess
{
    // One capture at a time: the console and the working directory belong to the whole process.
    private static readonly Lock Capture = new();

    public static CliRun Run(params string[] args) => Around(CommandLine.Run, args);

    /// <summary>The same capture around another entry point (xnor-spec-tools', for <see cref="ToolsInProcess"/>).</summary>
    internal static CliRun Around(Func<string[], int> entry, string[] args)
    {
        lock (Capture)
        {
            var (output, errors) = (new StringWriter(), new StringWriter());
            var (savedOutput, savedErrors, savedTables, savedDirectory) =
                (System.Console.Out, System.Console.Error, AnsiConsole.Console, Environment.CurrentDirectory);
            System.Console.SetOut(output);
            System.Console.SetError(errors);
            // What a redirected `xnor-spec` gets: no colours, no live progress, plain text.
            AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
                Out = new AnsiConsoleOutput(output),
            });
            Environment.CurrentDirectory = CliProcess.RepositoryRoot;
            try
            {
                int exitCode = entry(args);
                return new CliRun(exitCode, output.ToString(), errors.ToString());
            }
            finally
            {
                System.Console.SetOut(savedOutput);
                System.Console.SetError(savedErrors);
                AnsiConsole.Console = savedTables;
                Environment.CurrentDirectory = savedDirectory;
            }
        }
    }
}

/// <summary>
/// Runs the maintainer's tools' entry point, <see cref="XnorSpec.Tools.CommandLine.Run"/>, inside the
/// test process with the capture of <see cref="CliInProcess"/>: `xnor-spec-tools` without a process start.
/// </summary>
public static class ToolsInProcess
{
    /// <summary>The commands xnor-spec-tools has and xnor-spec does not.</summary>
    public static readonly IReadOnlySet<string> Commands = new HashSet<string> { "bench", "study", "study-summary", "spec-doc", "compare", "limits" };

    public static CliRun Run(params string[] args) => CliInProcess.Around(XnorSpec.Tools.CommandLine.Run, args);
}
