using FluentAssertions;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Cli;

/// <summary>
/// Claim: the program depends on nothing around it but what it is given. Started from any working
/// directory it finds its fixtures beside its build (a relative path still means the working
/// directory), and it needs neither a temporary folder nor a home folder: its temporary files lie
/// beside the files they become, so that a rename puts them in place at once.
/// </summary>
[Collection(SeparateProcesses.Name)]
public sealed class Surroundings(ITestOutputHelper output) : IDisposable
{
    private readonly string place = Directory.CreateTempSubdirectory("xnorspec-surroundings-").FullName;

    public void Dispose() => Directory.Delete(place, recursive: true);

    [Fact]
    public void The_program_runs_from_another_working_directory_with_TMPDIR_and_HOME_naming_folders_that_do_not_exist()
    {
        var missing = Path.Combine(place, "missing");
        var elsewhere = new CliStart(WorkingDirectory: place, Variables: new Dictionary<string, string>
        {
            ["TMPDIR"] = Path.Combine(missing, "tmp"),
            ["HOME"] = Path.Combine(missing, "home"),
        });
        var run = CliProcess.Run(elsewhere, "train", "--profile", "quick", "--epochs", "1", "--pairs", "20", "--save", "relative.model");
        output.WriteLine(run.ToString());

        run.ExitCode.Should().Be(0, "the quick profile is found beside the build, whatever the working directory");
        File.Exists(Path.Combine(place, "relative.model")).Should().BeTrue("a relative path means the working directory");
        Directory.Exists(missing).Should().BeFalse("nothing is written to TMPDIR or HOME");
    }

    [Fact]
    public void A_program_that_finds_no_fixtures_folder_says_where_it_looked_and_how_to_fix_it_with_exit_code_2()
    {
        var nowhere = Path.Combine(place, "no-fixtures");
        var run = CliProcess.Run(new CliStart(Variables: new Dictionary<string, string> { ["XNORSPEC_FIXTURES"] = nowhere }), "reproduce", "--profile", "quick");
        output.WriteLine(run.ToString());

        run.ExitCode.Should().Be(2, "a missing fixtures folder is bad input, not a crash");
        run.Errors.Should().Contain(nowhere).And.Contain("without profiles/").And.Contain("Set XNORSPEC_FIXTURES");
        run.Errors.Should().NotContain("Unhandled exception");
    }
}
