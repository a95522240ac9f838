using FluentAssertions;
using XnorSpec.Data;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using Xunit;

namespace XnorSpec.Spec.Training;

/// <summary>
/// Claim: the trainer takes a pair source and scores what it trained as that source says, and nothing
/// else: a source for other data than the experiment names is refused, held-out pairs come from the test
/// split only, an interrupted epoch gets no held-out score, and a run's row in a runs file keeps its training loss and its source's scores apart.
/// (fashion-quick settings, seed 1, on the checked-in subset; a few seconds each.)
/// </summary>
public class Pair_sources
{
    private static readonly Experiment Quick = RealImageRuns.Quick(FusionKind.Product, LabelRule.SameCategory) with { Epochs = 2 };

    [Fact]
    public void A_source_for_other_data_than_the_experiment_names_is_refused_naming_both()
    {
        using var subset = new FashionMnistSource(PairData.FashionMnistSubset, FashionFixture.Splits);
        var whole = Quick with { Data = PairData.FashionMnist };

        var act = () => Trainer.Run(whole, subset, TestDevice.Current);

        act.Should().Throw<ArgumentException>().Where(e => e.Message.Contains("FashionMnist pairs") && e.Message.Contains("FashionMnistSubset pairs"));
    }

    [Fact]
    public void An_interrupted_epoch_gets_no_held_out_score()
    {
        using var source = new FashionMnistSource(Quick.Data, FashionFixture.Splits);
        using var stop = new CancellationTokenSource();
        var progress = new Progress(r => { if (r.Epoch == 1 && r.Step == 3) stop.Cancel(); });

        var run = Trainer.Run(Quick, source, TestDevice.Current, progress, stop.Token);
        run.Model?.Dispose();

        run.Completed.Should().BeFalse();
        run.EpochsRun.Should().Be(1);
        ((HeldOutScores)run.Evaluation!).AfterEpoch.Should().HaveCount(run.EpochsRun, "a score for each finished epoch only");
    }

    [Fact]
    public void A_real_image_runs_row_keeps_its_final_training_loss_and_its_held_out_scores_apart()
    {
        var run = RealImageRuns.Of(RealImageRuns.Quick(FusionKind.Product, LabelRule.SameCategory)).Training;

        var row = HeadRun.From(run);

        row.FinalLoss.Should().Be(run.FinalLoss);
        row.Score(HeldOutScores.MseName).Should().Be(run.HeldOut!.Mse);
        row.Score(HeldOutScores.AccuracyName).Should().Be(run.HeldOut!.Accuracy);
        row.FinalLoss.Should().NotBe(row.Score(HeldOutScores.MseName), "the two are different measurements of this run");
    }

    [Fact]
    public void Held_out_pairs_come_only_from_the_test_split_at_the_models_image_size()
    {
        using var source = new FashionMnistSource(Quick.Data, FashionFixture.Splits);

        var (pairs, heldOut) = source.HeldOut(Quick);

        pairs.Images.Should().BeSameAs(FashionFixture.Splits.Test, "no scored image is ever trained on");
        pairs.ImageSize.Should().Be(Quick.ImageSize);
        heldOut.Should().HaveCount(Quick.HeldOutPairs);
        source.ExampleImages.Should().BeSameAs(FashionFixture.Splits.Test, "the pictured held-out examples index the test split");
    }

    [Fact]
    public void Each_source_says_what_its_output_is_the_probability_of_under_every_rule_it_takes()
    {
        using var colours = new ColourSource();
        using var images = new FashionMnistSource(PairData.FashionMnistSubset, FashionFixture.Splits);

        colours.LabelRules.Select(colours.Question).Should().Equal(
            "P(same colour)", "P(the query is black)", "P(the template is black)", "P(label 1 under AllZeros)");
        images.LabelRules.Select(images.Question).Should().Equal(
            "P(same category)", "P(the query's category is in the first half)", "P(label 1 under AllZeros)");
        colours.DefaultLabels.Should().Be(LabelRule.SameColour);
        images.DefaultLabels.Should().Be(LabelRule.SameCategory);
    }

    [Fact]
    public void A_source_refuses_a_label_rule_of_the_other_data_naming_the_setting_and_what_it_takes()
    {
        using var colours = new ColourSource();

        var act = () => colours.Accept(new Experiment { Labels = LabelRule.SameCategory });

        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == nameof(Experiment.Labels)
            && e.Message.Contains("on Colours pairs one of SameColour, FirstIsBlack, SecondIsBlack, AllZeros"));
    }

    [Fact]
    public void Generated_colour_pairs_read_no_folder_and_an_unknown_data_value_has_no_source()
    {
        using var colours = new ColourSource();

        colours.ReadsFiles.Should().BeFalse();
        colours.Folder.Should().BeNull();
        colours.ExampleImages.Should().BeNull();
        var reading = () => colours.ReadingFrom(new Experiment(), "/tmp");
        reading.Should().Throw<ArgumentException>().WithMessage("*generated Colours pairs, which are not read from a folder*");
        var unknown = () => PairSources.For((PairData)42);
        unknown.Should().Throw<ArgumentException>().WithMessage("Unknown data 42; valid: Colours, FashionMnist, FashionMnistSubset*");
        var notFashion = () => new FashionMnistSource(PairData.Colours);
        notFashion.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void A_result_without_a_held_out_score_shows_dashes_in_the_real_image_table()
    {
        using var images = new FashionMnistSource(PairData.FashionMnistSubset, FashionFixture.Splits);
        var failed = ExperimentResult.Failed(Quick, "diverged", 1);

        images.TableCells(failed).Should().Equal("-", "-", "-");
        new HeldOutScores([], []).Summary.Should().Be("no epoch finished, so no held-out score");
        new HeldOutScores([], []).Scores.Should().BeEmpty();
    }

    private sealed class Progress(Action<StepReport> report) : IProgress<StepReport>
    {
        public void Report(StepReport value) => report(value);
    }
}
