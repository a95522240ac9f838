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

    public static Process Start(params string[] args)
    {
        if (!File.Exists(Program)) throw new FileNotFoundException($"{Program} is missing: build Spec.sln first.");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot,
        };
        start.ArgumentList.Add(Program);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }

    public static CliRun Run(params string[] args) => Finish(Start(args));

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

    public const int SIGINT = 2, SIGTERM = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
