using System.IO.Compression;
using FluentAssertions;
using XnorSpec.Experiments;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Files;

/// <summary>
/// Claim: a PyTorch file that cannot be used is refused with exit code 2, a message that names the
/// file, the problem and the fix, and never a crash. The damaged files were written by PyTorch
/// (fixtures/pytorch/make_twin.py) or are cut from them here.
/// </summary>
public sealed class Bad_PyTorch_files(ITestOutputHelper output) : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("xnorspec-badpt-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static string Twin(string name) => Fixtures.Path("pytorch", name);

    /// <summary>Each command that reads a PyTorch file refuses it the same way (import needs --head, so runs only when it is given).</summary>
    private void ShouldRefuse(string file, string[] args, params string[] problems)
    {
        foreach (var command in args.Contains("--head") ? new[] { "check", "import", "predict" } : ["check", "predict"])
        {
            string[] full = command switch
            {
                "import" => ["import", "--model", file, .. args, "--out", Path.Combine(directory, "out.model")],
                "predict" => ["predict", "--model", file, .. args, Fixtures.Path("images", "black.png"), Fixtures.Path("images", "white.png")],
                _ => ["check", "--model", file, .. args],
            };
            var run = CliInProcess.Run(full);
            output.WriteLine($"{command}: {run}");
            run.ExitCode.Should().Be(2, command);
            run.Errors.Should().Contain(file, command);
            foreach (var problem in problems) run.Errors.Should().Contain(problem, command);
            File.Exists(Path.Combine(directory, "out.model")).Should().BeFalse("nothing is written for a refused file");
        }
    }

    [Fact]
    public void A_file_that_is_not_a_PyTorch_file_is_refused()
    {
        var image = Fixtures.Path("images", "black.png");
        var check = CliInProcess.Run("check", "--model", image, "--head", "Product");
        check.ExitCode.Should().Be(2);
        check.Errors.Should().Contain($"{image}: neither an XnorSpec model file nor a PyTorch file");
        var import = CliInProcess.Run("import", "--model", image, "--head", "Product", "--out", Path.Combine(directory, "out.model"));
        output.WriteLine(import.ToString());
        import.ExitCode.Should().Be(2);
        import.Errors.Should().Contain($"{image}: not a PyTorch file");
    }

    [Fact]
    public void A_file_in_PyTorch_s_legacy_format_is_refused_with_how_to_save_it_again() =>
        ShouldRefuse(Twin("bad-legacy-format.pt"), ["--head", "Product"], "legacy format", "save it again with torch.save");

    [Fact]
    public void A_file_written_by_a_newer_archive_format_is_refused_naming_both_versions() =>
        ShouldRefuse(Twin("bad-version-9.pt"), ["--head", "Product"], "format version 9, newer than the newest this reader supports (3)");

    [Fact]
    public void A_training_checkpoint_is_refused_with_how_to_save_its_state_dict() =>
        ShouldRefuse(Twin("bad-checkpoint-dict.pt"), ["--head", "Product"], "values are not all tensors", "model (OrderedDict)", "checkpoint['model']");

    [Fact]
    public void Missing_unexpected_and_mis_shaped_keys_are_listed_by_name() =>
        ShouldRefuse(Twin("bad-keys.pt"), ["--head", "Product", "--encoder", "TinyCnn"], "do not fit the TinyCnn encoder", "--encoder",
            "1 missing: t_encoder.bn2.running_var", "1 unexpected: q_encoder.extra.weight", "1 mis-shaped: t_encoder.conv1.weight is [8, 3, 5, 5] where [8, 3, 3, 3] is expected");

    [Fact]
    public void Weights_that_fit_no_encoder_are_refused_with_the_differences_from_the_closest()
    {
        // check alone: finding that no encoder fits builds every encoder of the catalogue, a ResNet18 pair among them.
        var file = Twin("bad-keys.pt");
        var run = CliInProcess.Run("check", "--model", file, "--head", "Product");
        output.WriteLine(run.ToString());
        run.ExitCode.Should().Be(2);
        run.Errors.Should().Contain(file).And.Contain("fit none of the encoders").And.Contain("against the closest, TinyCnn: 1 missing: t_encoder.bn2.running_var");
    }

    [Fact]
    public void An_encoder_the_weights_do_not_fit_is_refused() =>
        ShouldRefuse(Twin("twin-product.pt"), ["--head", "Product", "--encoder", "SmallCnn"], "do not fit the SmallCnn encoder", "mis-shaped: q_encoder.conv1.weight is [8, 3, 3, 3] where [16, 3, 3, 3] is expected");

    [Theory]
    [InlineData("concat", "Product", "fc.0.weight is [1, 32] where [1, 16] is expected", "fit --head Concat")]
    [InlineData("product", "Concat", "fc.0.weight is [1, 16] where [1, 32] is expected", "fit --head Product")]
    public void A_head_that_does_not_match_the_weights_is_refused_naming_the_head_they_fit(string twin, string head, string shapes, string fits) =>
        ShouldRefuse(Twin($"twin-{twin}.pt"), ["--head", head], $"do not fit a {head} head", shapes, fits);

    [Fact]
    public void A_PyTorch_file_without_head_is_refused_because_a_state_dict_does_not_say_how_it_fuses() =>
        ShouldRefuse(Twin("twin-product.pt"), [], "does not say how its model fuses", "Pass --head Concat");

    [Fact]
    public void A_truncated_archive_and_an_archive_without_data_pkl_are_refused()
    {
        var bytes = File.ReadAllBytes(Twin("twin-product.pt"));
        var truncated = Path.Combine(directory, "truncated.pt");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length * 9 / 10)]);
        ShouldRefuse(truncated, ["--head", "Product"], "a damaged or truncated zip archive");

        var foreign = Path.Combine(directory, "foreign.pt");
        using (var zip = ZipFile.Open(foreign, ZipArchiveMode.Create))
            using (var writer = new StreamWriter(zip.CreateEntry("archive/version").Open())) writer.Write("3\n");
        ShouldRefuse(foreign, ["--head", "Product"], "without a data.pkl record");
    }
}
