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
/// How to start the program: another build of it (a path to xnor-spec.dll), environment variables to
/// set, how SIGINT stands when it starts, and its working directory (the repository root by default).
/// </summary>
public sealed record CliStart(string? Program = null, IReadOnlyDictionary<string, string>? Variables = null, SigintAtStart Sigint = SigintAtStart.Default,
    string? WorkingDirectory = null)
{
    public IReadOnlyDictionary<string, string> Environment => Variables ?? new Dictionary<string, string>();
}

/// <summary>The disposition of SIGINT the program starts with.</summary>
public enum SigintAtStart
{
    /// <summary>Default, whatever the test host inherited: Ctrl-C reaches the program's handler.</summary>
    Default,

    /// <summary>
    /// Default, although the launcher itself is started with SIGINT ignored, as everything a
    /// `dotnet test` started with `&amp;` (or by a scheduler) starts is: the case the launcher exists for.
    /// </summary>
    DefaultFromAnIgnoringParent,

    /// <summary>Ignored, as for a program a shell starts in the background: it must keep ignoring it.</summary>
    Ignored,
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

    /// <summary>The maintainer's tools, xnor-spec-tools.dll: start it with <c>new CliStart(Program: CliProcess.Tools)</c>.</summary>
    public static string Tools => Path.Combine(RepositoryRoot, "src", "XnorSpec.Tools", "bin", Configuration, "net10.0", "xnor-spec-tools.dll");

    public static Process Start(params string[] args) => Start(new CliStart(), args);

    /// <summary>Starts <paramref name="how"/>'s program (the built one by default) with extra environment variables.</summary>
    public static Process Start(CliStart how, params string[] args)
    {
        var program = how.Program ?? Program;
        if (!File.Exists(program)) throw new FileNotFoundException($"{program} is missing: build Spec.sln first.");
        List<string> command = how.Sigint switch
        {
            SigintAtStart.Default => [.. DefaultSigint],
            SigintAtStart.DefaultFromAnIgnoringParent => [.. IgnoreSigint, .. DefaultSigint],
            _ => [.. IgnoreSigint],
        };
        command.AddRange([Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", program, .. args]);
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = how.WorkingDirectory ?? RepositoryRoot,
        };
        foreach (var part in command.Skip(1)) start.ArgumentList.Add(part);
        foreach (var (name, value) in how.Environment) start.Environment[name] = value;
        return Process.Start(start)!;
    }

    // A process inherits an ignored SIGINT across fork and exec, and .NET leaves an inherited ignored
    // SIGINT ignored (System.Native's InstallSignalHandler respects SIG_IGN; Process.Start resets only
    // handlers, not SIG_IGN, in the child). A shell ignores SIGINT in what it starts with `&`, so a
    // `dotnet test` started that way would start programs deaf to the specs' Ctrl-C. Every program is
    // therefore started through `env --default-signal=INT` (GNU coreutils 8.31 or later), which resets
    // it before exec; env and the shell below exec, so the process started is the program itself.
    private static readonly Lazy<string[]> DefaultSigintLauncher = new(() =>
    {
        using var probe = Process.Start(new ProcessStartInfo("env", ["--default-signal=INT", "true"]) { RedirectStandardError = true })!;
        probe.StandardError.ReadToEnd();
        probe.WaitForExit();
        if (probe.ExitCode != 0)
            throw new InvalidOperationException("The specs start xnor-spec through `env --default-signal=INT`, so that it sees their Ctrl-C however "
                + "`dotnet test` was started; this system's env lacks that option (GNU coreutils 8.31 or later has it).");
        return ["env", "--default-signal=INT"];
    });

    private static string[] DefaultSigint => DefaultSigintLauncher.Value;

    // A POSIX shell that ignores SIGINT and execs the rest, as a shell does for a command started with `&`.
    private static readonly string[] IgnoreSigint = ["sh", "-c", "trap '' INT; exec \"$@\"", "sh"];

    /// <summary>Whether process <paramref name="pid"/> ignores <paramref name="signal"/> (the SigIgn mask of /proc/PID/status).</summary>
    public static bool Ignores(int pid, int signal)
    {
        var mask = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("SigIgn:"))["SigIgn:".Length..].Trim();
        return (Convert.ToUInt64(mask, 16) & (1UL << (signal - 1))) != 0;
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
