using FluentAssertions;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Experiments;

/// <summary>
/// Claim: the reproduction study (xnor-spec-tools study) resumes by run: a row counts as done only when its arm, its
/// encoders' start and every setting match a cell of the study, so an interrupted study runs exactly what is
/// missing; its summary pools a cell's seeds into one row. Shown on the quick arm's recorded file
/// (fixtures/reproduction/quick-smallcnn-study.csv: five experiments, seeds 1-10).
/// </summary>
public sealed class Reproduction_study(ITestOutputHelper output) : IDisposable
{
    private readonly string file = Path.Combine(Path.GetTempPath(), $"xnorspec-study-{Guid.NewGuid():N}.csv");

    private static string[] Recorded => File.ReadAllLines(Fixtures.Path("reproduction", "quick-smallcnn-study.csv"));

    [Fact]
    public void The_study_runs_only_the_runs_missing_from_its_file_matching_every_setting()
    {
        var lines = Recorded.ToList();
        // Product at seed 7 is missing; Concat AllZeros at seed 3 was made with 999 held-out pairs, another run.
        lines.RemoveAll(l => l.StartsWith("quick,fresh,Product,SameColour,") && l.Split(',')[12] == "7");
        int other = lines.FindIndex(l => l.StartsWith("quick,fresh,Concat,AllZeros,") && l.Split(',')[12] == "3");
        lines[other] = lines[other].Replace(",6,100,3,1000,", ",6,100,3,999,");
        File.WriteAllLines(file, lines);

        var run = ToolsInProcess.Run("study", "--arm", "quick", "--out", file);
        output.WriteLine(run.ToString());

        run.ExitCode.Should().Be(0);
        var added = File.ReadAllLines(file).Skip(lines.Count).Select(l => string.Join(",", l.Split(',').Take(14))).ToArray();
        added.Should().BeEquivalentTo(
            "quick,fresh,Product,SameColour,SmallCnn,Colours,32,10,0.1,0.01,6,100,7,1000",
            "quick,fresh,Concat,AllZeros,SmallCnn,Colours,32,10,0.01,0.01,6,100,3,1000");
    }

    [Fact]
    public void The_summary_has_one_row_per_cell_pooling_its_seeds()
    {
        var run = ToolsInProcess.Run("study-summary", "--in", Fixtures.Path("reproduction", "quick-smallcnn-study.csv"));
        output.WriteLine(run.ToString());

        var rows = run.Output.Split('\n').Where(l => l.StartsWith("| quick ")).ToArray();
        rows.Should().HaveCount(5, "five experiments");
        rows.Should().OnlyContain(r => r.Contains("| 1 2 3 4 5 6 7 8 9 10 |"));
        rows.Select(r => r.Split('|')[2].Trim() + " " + r.Split('|')[3].Trim()).Should().BeEquivalentTo(
            "Concat SameColour", "Product SameColour", "Concat FirstIsBlack", "Concat SecondIsBlack", "Concat AllZeros");
    }

    public void Dispose() => File.Delete(file);
}
