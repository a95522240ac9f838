using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Cli;

/// <summary>One invalid setting for `xnor-spec train` and the words (option or setting name) its error must contain.</summary>
public sealed record InvalidSetting(string Option, string Value, params string[] Names)
{
    public string[] Args => Option == "--profile" ? ["train", Option, Value] : ["train", "--profile", "quick", Option, Value];

    public override string ToString() => $"{Option} {Value}";
}

/// <summary>Claim: any invalid setting, and an unavailable device, is refused with a clear message and exit code 2, never a crash.</summary>
public class Bad_settings(ITestOutputHelper output)
{
    private static Gen<string> Numbers(int from, int to, double scale = 1) =>
        Gen.Choose(from, to).Select(n => (n * scale).ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static Gen<string> Words => Gen.Choose(0, 99_999).Select(n => $"no-such-{n}");

    /// <summary>Every kind of bad value for every setting of `train`: out of range, not finite, not a number, unknown name.</summary>
    public static Gen<InvalidSetting> InvalidSettings =>
        Gen.OneOf(
            Gen.OneOf(Numbers(-1000, 0, 0.01), Gen.Elements("NaN", "Infinity", "-Infinity", "fast")).Select(v => new InvalidSetting("--lr", v, "--lr", "LearningRate")),
            Gen.OneOf(Numbers(100, 1000, 0.01), Numbers(-1000, -1, 0.01)).Select(v => new InvalidSetting("--momentum", v, "--momentum", "Momentum")),
            Gen.OneOf(Numbers(-1000, 0), Gen.Constant("99999999999")).Select(v => new InvalidSetting("--epochs", v, "--epochs", "Epochs")),
            Gen.OneOf(Numbers(-100, 0), Numbers(101, 100_000)).Select(v => new InvalidSetting("--batch-size", v, "--batch-size", "BatchSize")),
            Numbers(-100, 0).Select(v => new InvalidSetting("--pairs", v, "--pairs", "Pairs")),
            Numbers(-10, 7).Select(v => new InvalidSetting("--image-size", v, "--image-size", "ImageSize")),
            Words.Select(v => new InvalidSetting("--encoder", v, "--encoder", "valid: ResNet18, SmallCnn")),
            Words.Select(v => new InvalidSetting("--head", v, "--head", "valid: Concat, Product")),
            Words.Select(v => new InvalidSetting("--labels", v, "--labels", "valid: SameColour")),
            Words.Select(v => new InvalidSetting("--device", v, "Unknown device", "accepted: auto, cpu, cuda")),
            Words.Select(v => new InvalidSetting("--profile", v, "Unknown profile", "available: ")));

    // 100 cases through the program's entry point in this process (CliInProcess): each parses and
    // checks, and none trains. Usage_errors checks that the real process exits with the same code.
    [Property(MaxTest = 100)]
    public Property Any_invalid_setting_exits_with_code_2_and_a_message_naming_it_never_a_crash() =>
        Prop.ForAll(InvalidSettings.ToArbitrary(), setting =>
        {
            var run = CliInProcess.Run(setting.Args);
            output.WriteLine($"{setting}: exit {run.ExitCode}, {run.Errors.Trim()}");

            return run.ExitCode == 2
                && setting.Names.Any(name => run.Errors.Contains(name))
                && !run.Errors.Contains("Unhandled exception") && !run.Errors.Contains("   at ")
                && !run.Output.Contains("epoch");
        });

    [Theory]
    [InlineData("--pairs", "5", "batch size 10 cannot", "BatchSize = 10 is invalid")]
    [InlineData("--image-size", "32", "batch size 1 cannot", "ImageSize = 32 is invalid")]
    public void Bench_refuses_a_size_one_of_its_batch_sizes_cannot_train_before_measuring_anything(string option, string value, string which, string why)
    {
        var folder = Directory.CreateTempSubdirectory("xnorspec-bench-").FullName;
        try
        {
            var run = ToolsInProcess.Run("bench", option, value, "--out", folder);
            output.WriteLine(run.ToString());

            run.ExitCode.Should().Be(2);
            run.Errors.Should().Contain($"{option} {value}").And.Contain(which).And.Contain(why);
            run.Output.Should().NotContain("sgemm", "the settings are checked before the first measurement");
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [SkippableFact]
    public void Device_cuda_where_CUDA_is_unavailable_says_so_and_how_to_get_the_CUDA_build()
    {
        Skip.If(TorchSharp.torch.cuda.is_available(), "CUDA is available here");
        var run = CliInProcess.Run("train", "--profile", "quick", "--device", "cuda");
        output.WriteLine(run.ToString());

        run.ExitCode.Should().Be(2);
        run.Errors.Should().Contain("CUDA is not available").And.Contain("-p:TorchBackend=cuda").And.Contain("--device cpu");
    }

    [SkippableFact]
    public void Device_auto_falls_back_to_the_CPU_and_says_which_device_it_chose()
    {
        Skip.If(TorchSharp.torch.cuda.is_available(), "CUDA is available here, so auto chooses it");
        var run = CliInProcess.Run("train", "--profile", "quick", "--device", "auto", "--epochs", "1", "--pairs", "20");
        output.WriteLine(run.ToString());

        run.ExitCode.Should().Be(0);
        run.Output.Should().Contain("Device: cpu (CUDA is not available)");
    }
}
