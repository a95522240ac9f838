using System.CommandLine;
using XnorSpec.Experiments;
using XnorSpec.Files;
using XnorSpec.Runtime;
using XnorSpec.Training;

namespace XnorSpec.Cli;

/// <summary>The exit codes; their meanings are documented once, in src/XnorSpec.Cli/README.md (Exit codes).</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int RunFailed = 1;
    public const int BadUsage = 2;

    /// <summary>Parses and runs <paramref name="args"/>; usage errors name <paramref name="program"/> (xnor-spec-tools shares this).</summary>
    public static int Run(RootCommand root, string[] args, string program = "xnor-spec")
    {
        try
        {
            // Parsing is inside: an option's default (a fixtures path) may already need the fixtures folder.
            var parsed = root.Parse(args);
            if (parsed.Errors.Count > 0)
            {
                foreach (var error in parsed.Errors) Console.Error.WriteLine(error.Message);
                Console.Error.WriteLine($"Run '{string.Join(' ', CommandPath(parsed.CommandResult.Command, root, program))} --help' for usage.");
                return BadUsage;
            }
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is ArgumentException or BadFileException or OutputInUseException)
        {
            Console.Error.WriteLine($"error: {RemedyWords.Message(e)}");
            return BadUsage;
        }
        catch (Exception e) when (e is NativeBackendException or TrainingDivergedException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return RunFailed;
        }
    }

    private static IEnumerable<string> CommandPath(Command command, RootCommand root, string program) =>
        command == root ? [program] : [program, command.Name];
}
