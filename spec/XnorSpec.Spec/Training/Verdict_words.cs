using FluentAssertions;
using XnorSpec.Experiments;
using XnorSpec.Training;
using Xunit;

namespace XnorSpec.Spec.Training;

/// <summary>
/// The verdict claims no more than the run shows. A loss near 0.25 is the level of the constant 0.5 and
/// also of saturated separable rules (theorem 2, src/XnorSpec/Model/README.md), so a colour run that did
/// not learn reads "stays near 0.5" only when its eval-mode predictions are near 0.5, and otherwise names
/// the rule it answers; a real-image run is judged by its held-out MSE and reads "not learned".
/// </summary>
public class Verdict_words
{
    private static TrainingResult ColourRun(double loss, float bb, float bw, float wb, float ww) =>
        new(new Experiment(), [(float)loss], 1, 1, true)
        { Evaluation = new ColourScores(new Dictionary<string, float> { ["BB"] = bb, ["BW"] = bw, ["WB"] = wb, ["WW"] = ww }, new Dictionary<string, float>()) };

    [Fact]
    public void A_colour_run_that_did_not_learn_stays_near_one_half_only_when_every_prediction_is_near_one_half()
    {
        Verdicts.Describe(ColourRun(0.252, 0.41f, 0.79f, 0.45f, 0.52f)).Should().Be("stays near 0.5");
        Verdicts.Describe(ColourRun(0.252, 0.41f, 0.81f, 0.45f, 0.52f)).Should().StartWith("not learned: ");
    }

    [Theory]
    [InlineData(0.99f, 0.01f, 0.01f, 0.01f, "same only when both are black")]
    [InlineData(0.01f, 0.01f, 0.01f, 0.99f, "same only when both are white")]
    [InlineData(0.354f, 0.999f, 0.574f, 1f, "same unless both are black")] // fixtures/reproduction/side-by-side-2026-11-29/run4-batch-1.txt
    [InlineData(0.01f, 0.99f, 0.01f, 0.99f, "same when the template is white")]
    [InlineData(0.99f, 0.99f, 0.01f, 0.01f, "same when the query is black")]
    [InlineData(0.01f, 0.01f, 0.01f, 0.01f, "different for every pair")]
    public void A_colour_run_that_ends_at_a_saturated_rule_is_named_by_that_rule(float bb, float bw, float wb, float ww, string rule)
    {
        Verdicts.Describe(ColourRun(0.25, bb, bw, wb, ww)).Should().Be("not learned: " + rule);
    }

    [Fact]
    public void Each_of_the_sixteen_answer_patterns_has_its_own_name()
    {
        var names = Enumerable.Range(0, 16).Select(mask => ColourSource.RuleOf(new Dictionary<string, float>
        {
            ["BB"] = (mask & 8) != 0 ? 0.9f : 0.1f, ["BW"] = (mask & 4) != 0 ? 0.9f : 0.1f,
            ["WB"] = (mask & 2) != 0 ? 0.9f : 0.1f, ["WW"] = (mask & 1) != 0 ? 0.9f : 0.1f,
        })).ToArray();

        names.Should().OnlyHaveUniqueItems();
        names[0b1001].Should().Be("same when the colours match");
        names[0b0110].Should().Be("same when the colours differ");
    }

    [Fact]
    public void The_cut_offs_belong_to_the_words_the_documents_give_learned_at_most_0_15_not_learned_from_0_2()
    {
        (Verdicts.Of(0.15), Verdicts.Of(0.1500001), Verdicts.Of(0.1999999), Verdicts.Of(0.2))
            .Should().Be((Verdict.Learned, Verdict.Partly, Verdict.Partly, Verdict.NotLearned));
    }

    [Fact]
    public void An_output_of_exactly_one_half_is_read_as_different_as_everywhere_else_in_XnorSpec()
    {
        // Accuracy counts an output above 0.5 as "same" (Trainer.Evaluate); the rule names read it the same way.
        Verdicts.Describe(ColourRun(0.25, 0.5f, 0.5f, 0.5f, 0.95f)).Should().Be("not learned: same only when both are white");
    }

    [Fact]
    public void Learned_and_partly_learned_runs_keep_their_words_whatever_they_answer()
    {
        Verdicts.Describe(ColourRun(0.01, 0.99f, 0.01f, 0.01f, 0.99f)).Should().Be("learned");
        Verdicts.Describe(ColourRun(0.18, 0.99f, 0.01f, 0.01f, 0.01f)).Should().Be("partly learned");
    }

    [Fact]
    public void A_real_image_run_is_judged_by_its_held_out_score_and_never_reads_near_one_half()
    {
        var run = new TrainingResult(new Experiment(), [0.01f], 1, 1, true)
            { Evaluation = new HeldOutScores([new HeldOutScore(1000, 0.285, 0.48)], []) };

        Verdicts.Describe(run).Should().Be("not learned", "the held-out MSE, not the training loss of 0.01, decides");
    }
}
