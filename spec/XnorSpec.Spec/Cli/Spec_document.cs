using FluentAssertions;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Cli;

/// <summary>
/// `xnor-spec-tools spec-doc` turns TRX results into spec/SPEC.md, and `--check` fails when the document's
/// sentences drift from the spec names, while new figures or outcomes alone do not make it stale.
/// </summary>
public class Spec_document(ITestOutputHelper output) : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("xnorspec-specdoc-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    // A TRX file as vstest writes it, reduced to what spec-doc reads.
    private static string Trx(string method, string outcome, string stdout) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
          <Times start="2026-11-28T10:00:00+00:00" />
          <Results>
            <UnitTestResult testId="1" testName="XnorSpec.Spec.Training.Concat_linear_head.{method}" outcome="{outcome}" duration="00:00:02.5">
              <Output><StdOut>{stdout}</StdOut></Output>
            </UnitTestResult>
            <UnitTestResult testId="2" testName="Say which(n: 1)" outcome="NotExecuted" duration="00:00:00">
              <Output><StdOut>Specs ran on device: cpu (test)</StdOut></Output>
            </UnitTestResult>
          </Results>
          <TestDefinitions>
            <UnitTest id="1"><TestMethod className="XnorSpec.Spec.Training.Concat_linear_head" name="{method}" /></UnitTest>
            <UnitTest id="2"><TestMethod className="XnorSpec.Spec.Runtime.Backends_and_devices" name="Say_which" /></UnitTest>
          </TestDefinitions>
        </TestRun>
        """;

    private string Write(string name, string text)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Each_spec_becomes_a_sentence_with_its_outcome_and_figures_under_its_claim_class()
    {
        var trx = Write("run.trx", Trx("Stays_near_half_on_XNOR_labels", "Passed", "final loss 0.2520"));
        var doc = Path.Combine(folder, "SPEC.md");

        var run = ToolsInProcess.Run("spec-doc", "--trx", trx, "--out", doc);
        output.WriteLine(run.ToString());

        run.ExitCode.Should().Be(0);
        var text = File.ReadAllText(doc);
        output.WriteLine(text);
        text.Should().Contain("## Training: what each head learns")
            .And.Contain("- **passed** Concat linear head: stays near half on XNOR labels")
            .And.Contain("`final loss 0.2520`")
            .And.Contain("- **skipped** Backends and devices: say which (n: 1)")
            .And.Contain("device: cpu (test)").And.Contain("2026-11-28 10:00 UTC");
    }

    [Fact]
    public void The_check_fails_when_a_spec_name_changes_but_not_when_only_figures_or_outcomes_do()
    {
        var doc = Path.Combine(folder, "SPEC.md");
        ToolsInProcess.Run("spec-doc", "--trx", Write("old.trx", Trx("Stays_near_half", "Passed", "final loss 0.2520")), "--out", doc)
            .ExitCode.Should().Be(0);

        var figuresOnly = ToolsInProcess.Run("spec-doc", "--check", "--trx", Write("figures.trx", Trx("Stays_near_half", "Failed", "final loss 0.1")), "--out", doc);
        var renamed = ToolsInProcess.Run("spec-doc", "--check", "--trx", Write("renamed.trx", Trx("Stays_close_to_half", "Passed", "final loss 0.2520")), "--out", doc);
        output.WriteLine(figuresOnly.ToString());
        output.WriteLine(renamed.ToString());

        figuresOnly.ExitCode.Should().Be(0);
        renamed.ExitCode.Should().Be(1);
        renamed.Errors.Should().Contain("stale").And.Contain("stays close to half").And.Contain("xnor-spec-tools spec-doc");
    }

    [Fact]
    public void A_missing_or_broken_TRX_file_is_refused_with_exit_code_2()
    {
        var missing = ToolsInProcess.Run("spec-doc", "--trx", Path.Combine(folder, "none.trx"), "--out", Path.Combine(folder, "SPEC.md"));
        var broken = ToolsInProcess.Run("spec-doc", "--trx", Write("broken.trx", "<TestRun><Results>"), "--out", Path.Combine(folder, "SPEC.md"));

        missing.ExitCode.Should().Be(2);
        missing.Errors.Should().Contain("No TRX results");
        broken.ExitCode.Should().Be(2);
        broken.Errors.Should().Contain("Cannot read the TRX file");
    }
}
