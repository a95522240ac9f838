using FluentAssertions;
using XnorSpec.Experiments;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Cli;

/// <summary>Claim: bad usage exits with code 2 and a message that names the problem, before any training.</summary>
public class Usage_errors(ITestOutputHelper output)
{
    [Theory]
    [InlineData("valid: Concat, Product", "train", "--head", "Sideways")]
    [InlineData("valid: SameColour, FirstIsBlack, SecondIsBlack, AllZeros", "train", "--labels", "Maybe")]
    [InlineData("LearningRate = -1 is invalid", "train", "--lr", "-1")]
    [InlineData("Momentum = 1 is invalid", "train", "--momentum", "1")]
    [InlineData("Epochs = 0 is invalid", "train", "--epochs", "0")]
    [InlineData("Option --epochs expects a whole number from -2147483648 to 2147483647; got '99999999999'", "train", "--epochs", "99999999999")]
    [InlineData("Option --lr expects a number such as 0.01; got 'fast'", "train", "--lr", "fast")]
    [InlineData("valid: ResNet18, SmallCnn", "train", "--encoder", "VGG")]
    [InlineData("BatchSize = 101 is invalid", "train", "--batch-size", "101")]
    [InlineData("Unknown profile 'nope'", "reproduce", "--profile", "nope")]
    [InlineData("cannot be written", "reproduce", "--out", "/proc/xnorspec-cannot-write-here")]
    [InlineData("Choose another with --out", "reproduce", "--out", "/proc/xnorspec-cannot-write-here")]
    [InlineData("Unknown device 'tpu'", "reproduce", "--device", "tpu")]
    [InlineData("no such model file", "predict", "--model", "missing.model", "a.png", "b.png")]
    [InlineData("Train one with `xnor-spec train --save FILE`", "predict", "--model", "missing.model", "a.png", "b.png")]
    [InlineData("--tolerance -1 is invalid", "compare", "--model", "x.pt", "--outputs", "y.pt", "--tolerance", "-1")]
    [InlineData("Option '--head' is required", "import", "--model", "x.pt", "--out", "x.model")]
    [InlineData("nonsense", "nonsense")]
    public void Bad_usage_exits_with_code_2_and_names_the_problem(string message, params string[] args)
    {
        var run = InProcess(args);
        output.WriteLine(run.ToString());

        run.ExitCode.Should().Be(2);
        run.Errors.Should().Contain(message);
        run.Output.Should().NotContain("epoch");
    }

    [Theory]
    [InlineData("predict")]
    [InlineData("check")]
    public void Data_is_refused_for_a_model_of_generated_colour_pairs_naming_the_fix(string command)
    {
        string[] images = command == "predict" ? [Fixtures.Path("images", "black.png"), Fixtures.Path("images", "white.png")] : [];
        var run = InProcess([command, "--model", Fixtures.Path("pytorch", "twin-product.pt"), "--head", "Product", "--data", "fixture", .. images]);
        output.WriteLine(run.ToString());

        run.ExitCode.Should().Be(2);
        run.Errors.Should().Contain("--data is for models trained on images read from files").And.Contain("generated Colours pairs").And.Contain("Leave --data out");
    }

    [Fact]
    public void A_study_file_with_other_columns_is_refused_before_any_run_naming_the_columns_it_needs()
    {
        var file = Path.Combine(Path.GetTempPath(), $"xnorspec-study-{Guid.NewGuid():N}.csv");
        File.WriteAllText(file, "arm,head,labels,batchSize,learningRate,epochs,seed,encoders,finalLoss\n");
        try
        {
            // The quick arm: were the refusal missing, its runs (about a second each) would end the spec soon.
            var run = InProcess("study", "--arm", "quick", "--out", file);
            output.WriteLine(run.ToString());

            run.ExitCode.Should().Be(2);
            run.Errors.Should().Contain("a study file with other columns").And.Contain("--out")
                .And.Contain("arm,encoderStart,head,labels,encoder,data,imageSize,batchSize,learningRate,momentum,epochs,pairs,seed,heldOutPairs,finalLoss");
            File.ReadAllLines(file).Should().HaveCount(1, "nothing is appended to a file whose columns differ");
        }
        finally { File.Delete(file); }
    }

    [Theory]
    [InlineData("reproduce")]
    [InlineData("train")]
    [InlineData("predict")]
    [InlineData("heads")]
    [InlineData("limits")]
    [InlineData("study")]
    [InlineData("study-summary")]
    [InlineData("bench")]
    [InlineData("spec-doc")]
    [InlineData("check")]
    [InlineData("export")]
    [InlineData("import")]
    [InlineData("compare")]
    public void Every_command_has_help_with_examples(string command)
    {
        var run = InProcess(command, "--help");

        run.ExitCode.Should().Be(0);
        bool tool = ToolsInProcess.Commands.Contains(command);
        run.Output.Should().Contain("Examples:").And.Contain($"{(tool ? "xnor-spec-tools" : "xnor-spec")} {command}");
        if (tool) CliInProcess.Run(command).Errors.Should().Contain($"Unrecognized command or argument '{command}'", "the user's program holds only the user's commands");
    }

    /// <summary>The command line through the entry point of the program that has its command: the user's, or the maintainer's tools'.</summary>
    private static CliRun InProcess(params string[] args) =>
        ToolsInProcess.Commands.Contains(args[0]) ? ToolsInProcess.Run(args) : CliInProcess.Run(args);

    [Fact]
    public void Heads_run_refuses_to_add_to_a_runs_file_made_at_other_settings()
    {
        // The ResNet18 catalogue's runs used per-head settings; the heads profile now uses one for all.
        var other = Fixtures.Path("reproduction", "heads-resnet18-32px.csv");
        var before = File.ReadAllText(other);

        var run = CliInProcess.Run("heads", "--run", "--csv", other);
        output.WriteLine(run.ToString());

        run.ExitCode.Should().Be(2);
        run.Errors.Should().Contain(other).And.Contain("encoder ResNet18 (the profile asks SmallCnn)", "the differing setting is named")
            .And.Contain("--csv NEW.csv");
        File.ReadAllText(other).Should().Be(before, "nothing is trained or written");

    }

    /// <summary>Every setting a run was made at is a column of the runs file, so a row that differs in any one is refused, naming it.</summary>
    [Theory]
    [InlineData("encoder", "ResNet18", "encoder ResNet18 (the profile asks SmallCnn)")]
    [InlineData("pairs", "200", "pairs 200 (the profile asks 100)")]
    [InlineData("heldOutPairs", "500", "heldOutPairs 500 (the profile asks 1000)")]
    [InlineData("labels", "FirstIsBlack", "labels FirstIsBlack (the profile asks SameColour)")]
    [InlineData("epochs", "5", "epochs 5 (the profile asks 6)")]
    public void Heads_run_refuses_a_runs_file_that_differs_in_any_one_setting_and_names_it(string setting, string value, string named)
    {
        var folder = Directory.CreateTempSubdirectory("xnorspec-heads-").FullName;
        try
        {
            var file = Path.Combine(folder, "heads.csv");
            var rows = File.ReadAllLines(Fixtures.Path("reproduction", "heads.csv"));
            var cells = rows[1].Split(',');
            cells[Array.IndexOf(rows[0].Split(','), setting)] = value;
            File.WriteAllLines(file, [rows[0], string.Join(",", cells)]);
            var run = CliInProcess.Run("heads", "--run", "--csv", file);
            output.WriteLine(run.ToString());

            run.ExitCode.Should().Be(2);
            run.Errors.Should().Contain(named);
            File.ReadAllLines(file).Should().HaveCount(2, "nothing is trained or written");
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void The_program_itself_exits_with_the_code_and_messages_of_its_entry_point()
    {
        // The specs above call the entry point in this process (CliInProcess); this one starts
        // xnor-spec, so Program.cs's hand-over of the exit code and both streams is checked too.
        string[] bad = ["train", "--lr", "-1"], help = ["train", "--help"];
        var (badProcess, helpProcess) = (CliProcess.Run(bad), CliProcess.Run(help));
        output.WriteLine(badProcess.ToString());

        badProcess.ExitCode.Should().Be(2);
        badProcess.Should().Be(CliInProcess.Run(bad));
        // Help's usage line names the running executable, which in this process is the test host.
        var inProcessHelp = CliInProcess.Run(help);
        var host = System.CommandLine.RootCommand.ExecutableName;
        helpProcess.Should().Be(inProcessHelp with { Output = inProcessHelp.Output.Replace($"  {host} train", "  xnor-spec train") });
        helpProcess.ExitCode.Should().Be(0);
    }
}
