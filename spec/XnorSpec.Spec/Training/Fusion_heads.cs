using FluentAssertions;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using XnorSpec.Training;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Training;

/// <summary>
/// Claim: on same-colour labels a separable head cannot learn (theorem 2 of src/XnorSpec/Model/README.md),
/// and at the catalogue's setting every other head did (an observation at that setting, not a theorem). Every
/// head of the catalogue trains with SmallCnn encoders on 32x32 images for 6 epochs, all at one
/// SGD setting (fixtures/profiles/heads.json); the specs run seed 1, the thresholds come from seeds 1-5
/// (fixtures/reproduction/heads.csv, the README's capability table). Learning is judged by the
/// XNOR loss on the balanced batch BB, BW, WB, WW in training mode (see HeadRun): for a separable
/// head it cannot go below 0.25, by the same algebra as in eval mode.
/// </summary>
public class Fusion_heads(ITestOutputHelper output)
{
    public static Profile Heads => Profile.Load("heads");

    public static TheoryData<FusionKind> AllHeads => new(Enum.GetValues<FusionKind>());

    public static TrainingResult Run(FusionKind head) => Runs.Of(Heads.Get(head, LabelRule.SameColour));

    // A separable head's balanced-batch XNOR loss is >= 0.25 exactly; 1e-6 allows float32 rounding.
    public const double SeparableXnorLossAtLeast = 0.25 - 1e-6;
    // Seeds 1-5 (heads.csv): the worst non-separable head ended at 0.0056 (Bilinear), the best
    // separable one at 0.2514 (Sum). 0.15, the verdict's "learned", is 27x the worst: the claim is
    // "learns", and the ResNet18 catalogue (heads-resnet18-32px.csv) had its worst at 0.076. Margin 0.144 =
    // 206 SD or more for every head (the least: ConcatMlp, SD 0.0007 over 5 seeds).
    public const double NonSeparableXnorLossAtMost = 0.15;

    public static double XnorLoss(TrainingResult run) => ColourSource.BalancedXnorLoss(run.TrainModePredictions);

    [Fact]
    public void The_catalogue_has_every_head_and_the_heads_profile_trains_each_on_same_colour_labels()
    {
        Heads.Experiments.Select(e => e.Head).Should().BeEquivalentTo(Enum.GetValues<FusionKind>());
        Heads.Experiments.Should().OnlyContain(e => e.Labels == LabelRule.SameColour);
    }

    [Theory]
    [MemberData(nameof(AllHeads))]
    public void A_separable_head_stays_at_the_bound_and_at_the_catalogue_setting_every_other_head_learns_same_colour_labels(FusionKind head)
    {
        var run = Run(head);
        output.WriteLine(Runs.Describe(run));

        output.WriteLine($"XNOR loss on the balanced batch: {XnorLoss(run):F6}");

        if (FusionHead.IsSeparable(head))
            XnorLoss(run).Should().BeGreaterThanOrEqualTo(SeparableXnorLossAtLeast, "a separable head can do no better than the constant 0.5 (MSE 0.25)");
        else
            XnorLoss(run).Should().BeLessThanOrEqualTo(NonSeparableXnorLossAtMost, "a non-separable head can express XNOR, and at this setting it learned it");
    }

    [Fact]
    public void The_readmes_capability_table_is_the_one_the_recorded_runs_give()
    {
        var readme = File.ReadAllText(Path.Combine(CliProcess.RepositoryRoot, "README.md"));
        var rendered = CapabilityTable.Markdown(CapabilityTable.Load(), HeadParameters.Count());

        CapabilityTable.FromReadme(readme, new ColourSource().ReadmeMarkers).Should().Be(rendered.Trim('\n'),
            "README.md must show the table rendered from fixtures/reproduction/heads.csv; run `xnor-spec heads --update-readme`");
    }

    [Fact]
    public void The_readmes_real_image_capability_table_is_the_one_the_recorded_runs_give()
    {
        var readme = File.ReadAllText(Path.Combine(CliProcess.RepositoryRoot, "README.md"));
        var rendered = CapabilityTable.Markdown(CapabilityTable.Load(CapabilityTable.CsvPathOf("heads-fashion")), HeadParameters.Count());

        CapabilityTable.FromReadme(readme, new FashionMnistSource(PairData.FashionMnistSubset).ReadmeMarkers).Should().Be(rendered.Trim('\n'),
            "README.md must show the table rendered from fixtures/reproduction/heads-fashion.csv; run `xnor-spec heads --profile heads-fashion --update-readme`");
    }

    [Fact]
    public void The_recorded_real_image_runs_cover_every_head_at_eight_seeds_and_no_separable_head_beats_the_bound()
    {
        var runs = CapabilityTable.Load(CapabilityTable.CsvPathOf("heads-fashion"));
        var profile = Profile.Load("heads-fashion");
        foreach (var head in Enum.GetValues<FusionKind>())
        {
            var mine = runs.Where(r => r.Experiment.Head == head).ToArray();
            mine.Select(r => r.Experiment.Seed).Should().BeEquivalentTo(Enumerable.Range(1, 8).Select(s => (long)s), head.ToString());
            mine.Should().OnlyContain(r => r.DifferingSetting(profile.Get(head, LabelRule.SameCategory)) == null, "every run at the profile's setting");
            // The bound holds for every recorded run of a separable head; which other heads beat it is what the table reports.
            if (FusionHead.IsSeparable(head)) mine.Should().OnlyContain(r => r.Score(HeldOutScores.MseName) >= FashionMnistSource.BeatsBoundBelow, head.ToString());
        }
    }

    [Fact]
    public void The_recorded_runs_cover_every_head_at_five_seeds_and_agree_with_separability()
    {
        var runs = CapabilityTable.Load();
        foreach (var head in Enum.GetValues<FusionKind>())
        {
            var mine = runs.Where(r => r.Experiment.Head == head).ToArray();
            mine.Select(r => r.Experiment.Seed).Should().BeEquivalentTo(new long[] { 1, 2, 3, 4, 5 }, head.ToString());
            if (FusionHead.IsSeparable(head)) mine.Should().OnlyContain(r => r.Score(ColourScores.XnorLossName) >= SeparableXnorLossAtLeast, head.ToString());
            else mine.Should().OnlyContain(r => r.Score(ColourScores.XnorLossName) <= NonSeparableXnorLossAtMost, head.ToString());
        }
    }
}
