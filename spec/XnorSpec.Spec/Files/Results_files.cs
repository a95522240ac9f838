using FluentAssertions;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Files;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using XnorSpec.Training;
using Xunit;

namespace XnorSpec.Spec.Files;

/// <summary>
/// What a run leaves on disk reads back as it was written: results.json, losses.csv and the heads
/// CSV behind the capability table. Output folders that cannot be written are refused up front.
/// </summary>
public class Results_files : IDisposable
{
    private static readonly Experiment Small = new() { Encoder = EncoderKind.SmallCnn, ImageSize = 32, Pairs = 20, BatchSize = 10, Epochs = 2, LearningRate = 0.01, Seed = 11 };
    private readonly string folder = Directory.CreateTempSubdirectory("xnorspec-results-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void A_results_file_reads_back_every_experiment_field_and_losses_csv_has_one_row_per_step()
    {
        var run = Runs.Of(Small);
        var results = new ResultsFile("test", "cpu", Small.Seed, ResultsFile.CurrentTorchSharpVersion, DateTimeOffset.UnixEpoch)
        {
            Complete = true,
            Experiments = { ExperimentResult.From(run, "models/x.model"), ExperimentResult.Failed(Small, "diverged at epoch 1, step 2", 1.5) },
        };
        var json = Path.Combine(folder, "results.json");
        var csv = Path.Combine(folder, "losses.csv");

        results.Save(json);
        results.SaveLossesCsv(csv);
        var loaded = ResultsFile.Load(json);

        loaded.Complete.Should().BeTrue();
        loaded.TorchSharpVersion.Should().StartWith("0.107");
        var finished = loaded.Experiments[0];
        finished.StepLosses.Should().Equal(run.StepLosses);
        finished.FinalLoss.Should().Be(run.FinalLoss);
        finished.Predictions.Should().Equal(run.Predictions);
        finished.Verdict.Should().Be(Verdicts.Describe(run));
        finished.Model.Should().Be("models/x.model");
        finished.Experiment.Should().Be(Small, "the settings read back as one object");
        var failed = loaded.Experiments[1];
        failed.Experiment.Should().Be(Small);
        (failed.Completed, failed.FinalLoss, failed.Verdict, failed.Error).Should().Be((false, null, "failed", "diverged at epoch 1, step 2"));

        var rows = File.ReadAllLines(csv);
        rows[0].Should().Be("experiment,epoch,step,loss");
        rows.Should().HaveCount(1 + run.StepLosses.Count);
        rows[^1].Should().StartWith($"{Small.Name},{Small.Epochs},{run.StepLosses.Count},");
    }

    [Fact]
    public void A_results_file_from_before_settings_were_one_object_and_encoders_were_recorded_reads_as_ResNet18_on_colours()
    {
        // fixtures/reproduction/reproduce-seed/results.json was written by the seed profile (ResNet18) without the field.
        var old = ResultsFile.Load(Fixtures.Path("reproduction", "reproduce-seed", "results.json"));

        File.ReadAllText(Fixtures.Path("reproduction", "reproduce-seed", "results.json")).Should().NotContain("\"encoder\"");
        old.Experiments.Should().HaveCount(5).And.OnlyContain(e => e.Experiment.Encoder == EncoderKind.ResNet18 && e.Experiment.Data == PairData.Colours);
        old.Experiments.Select(e => e.Experiment.Head).Should().Contain([FusionKind.Concat, FusionKind.Product]);
        File.ReadAllText(Fixtures.Path("reproduction", "reproduce-seed", "results.json")).Should().NotContain("\"experiment\"", "it is in the older flat format");
    }

    [Fact]
    public void A_run_stopped_before_its_first_epoch_ends_has_no_final_loss_and_is_incomplete()
    {
        using var stop = new CancellationTokenSource();
        stop.Cancel();
        var run = RunScores.Train(Small, TestDevice.Current, cancel: stop.Token);
        run.Model!.Dispose();

        run.Completed.Should().BeFalse();
        run.FinalLoss.Should().Be(double.NaN);
        Verdicts.Of(run).Describe().Should().Be("incomplete");
        ExperimentResult.From(run).FinalLoss.Should().BeNull();
    }

    [Fact]
    public void A_head_run_written_to_the_heads_csv_reads_back_the_same()
    {
        var run = Runs.Of(Small);
        var row = HeadRun.From(run);
        var csv = Path.Combine(folder, "heads.csv");
        File.WriteAllText(csv, HeadRun.CsvHeader + "\n" + row.ToCsv() + "\n");

        var back = CapabilityTable.Load(csv).Single();

        back.Experiment.Should().Be(Small, "every setting of the experiment is a column");
        back.DifferingSetting(Small).Should().BeNull();
        back.FinalLoss.Should().BeApproximately(row.FinalLoss, 1e-5 * Math.Max(1, row.FinalLoss));
        back.Score(ColourScores.XnorLossName).Should().BeApproximately(ColourSource.BalancedXnorLoss(run.TrainModePredictions), 1e-6);
        back.EpochLosses.Should().HaveCount(Small.Epochs);
    }

    [Fact]
    public void A_runs_file_with_a_damaged_line_is_refused_naming_the_line_and_one_of_another_format_naming_the_header()
    {
        var good = File.ReadAllLines(CapabilityTable.CsvPath);
        var damaged = Path.Combine(folder, "damaged.csv");
        File.WriteAllLines(damaged, [good[0], good[1], good[2].Split(',')[0] + ",not,enough,cells"]);
        var old = Path.Combine(folder, "old.csv");
        File.WriteAllLines(old, ["head,encoder,imageSize,seed,learningRate,momentum,batchSize,finalLoss,xnorLoss", "Concat,SmallCnn,32,1,0.1,0.01,10,0.25,0.25"]);

        var readDamaged = () => CapabilityTable.Load(damaged);
        var readOld = () => CapabilityTable.Load(old);

        readDamaged.Should().Throw<BadFileException>().WithMessage("*line 3 cannot be read*");
        readOld.Should().Throw<BadFileException>().WithMessage("*not a runs file in the current format*" + HeadRun.CsvHeader + "*");
    }

    [Fact]
    public void A_capability_table_shows_runs_on_one_data_source_only()
    {
        var colours = CapabilityTable.Load(CapabilityTable.CsvPath).Take(2);
        var images = CapabilityTable.Load(CapabilityTable.CsvPathOf("heads-fashion")).Take(2);

        var mixed = () => CapabilityTable.Markdown([.. colours, .. images], HeadParameters.Count());
        var none = () => CapabilityTable.Markdown([], HeadParameters.Count());

        mixed.Should().Throw<ArgumentException>().WithMessage("*on Colours and FashionMnistSubset*");
        none.Should().Throw<ArgumentException>().WithMessage("*on none*");
    }

    [Fact]
    public void A_results_file_that_is_not_a_JSON_object_is_refused_naming_it()
    {
        var path = Path.Combine(folder, "results.json");
        File.WriteAllText(path, "[1, 2, 3]");

        var act = () => ResultsFile.Load(path);

        act.Should().Throw<BadFileException>().WithMessage($"{path}: not a JSON object*reproduction wrote*");
    }

    [Fact]
    public void A_README_without_the_capability_table_markers_is_refused_by_name()
    {
        var act = () => CapabilityTable.IntoReadme("# a README with no markers\n", "| table |", new ColourSource().ReadmeMarkers);
        act.Should().Throw<InvalidDataException>().WithMessage("*capability-table:start*");
    }

    [Fact]
    public void An_output_folder_that_cannot_be_written_is_refused_and_a_new_one_is_created()
    {
        var fresh = Path.Combine(folder, "a", "b");
        AtomicFile.EnsureWritableDirectory(fresh);
        Directory.Exists(fresh).Should().BeTrue();
        Directory.GetFiles(fresh).Should().BeEmpty("the write probe is removed");

        var act = () => AtomicFile.EnsureWritableDirectory("/proc/xnorspec-cannot-write-here");
        act.Should().Throw<ArgumentException>().WithMessage("*cannot be written*another output folder*");
    }
}
