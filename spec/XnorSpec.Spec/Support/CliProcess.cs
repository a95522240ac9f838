using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using XnorSpec.Experiments;

namespace XnorSpec.Spec.Support;

/// <summary>What a finished xnor-spec process left behind.</summary>
public sealed record CliRun(int ExitCode, string Output, string Errors)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Errors}";
}

/// <summary>How to start the program: another build of it (a path to xnor-spec.dll) and environment variables to set.</summary>
public sealed record CliStart(string? Program = null, IReadOnlyDictionary<string, string>? Variables = null)
{
    public IReadOnlyDictionary<string, string> Environment => Variables ?? new Dictionary<string, string>();
}

/// <summary>
/// Runs the real command-line program, built by the spec project's reference to it, as a separate
/// process: the same entry point, argument parsing, exit codes and signal handling users get.
/// </summary>
public static class CliProcess
{
    private static readonly string Configuration =
        typeof(CliProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string RepositoryRoot { get; } = Directory.GetParent(Fixtures.Directory)!.FullName;

    public static string Program => Path.Combine(RepositoryRoot, "src", "XnorSpec.Cli", "bin", Configuration, "net10.0", "xnor-spec.dll");

    public static Process Start(params string[] args) => Start(new CliStart(), args);

    /// <summary>Starts <paramref name="how"/>'s program (the built one by default) with extra environment variables.</summary>
    public static Process Start(CliStart how, params string[] args)
    {
        var program = how.Program ?? Program;
        if (!File.Exists(program)) throw new FileNotFoundException($"{program} is missing: build Spec.sln first.");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot,
        };
        start.ArgumentList.Add(program);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in how.Environment) start.Environment[name] = value;
        return Process.Start(start)!;
    }

    public static CliRun Run(params string[] args) => Finish(Start(args));

    public static CliRun Run(CliStart how, params string[] args) => Finish(Start(how, args));

    /// <summary>Waits for the process, reading both streams to the end so neither pipe can fill up and block it.</summary>
    public static CliRun Finish(Process process, Action<string>? onOutputLine = null)
    {
        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync();
            var output = new System.Text.StringBuilder();
            while (process.StandardOutput.ReadLine() is { } line)
            {
                output.AppendLine(line);
                onOutputLine?.Invoke(line);
            }
            process.WaitForExit();
            return new CliRun(process.ExitCode, output.ToString(), errors.Result);
        }
    }

    /// <summary>Sends a POSIX signal (SIGINT 2, SIGTERM 15) to a process, as Ctrl-C or `kill` would.</summary>
    public static void Signal(Process process, int signal)
    {
        if (kill(process.Id, signal) != 0) throw new InvalidOperationException($"kill({process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public const int SIGINT = 2, SIGKILL = 9, SIGTERM = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
