using XnorSpec.Data;
using XnorSpec.Model;
using static TorchSharp.torch;

namespace XnorSpec.Training;

/// <summary>
/// Everything that depends on the data a pair model meets: the label rules its pairs take, how
/// training pairs are drawn and a trained model scored, how `check` judges a model on it, what
/// `predict` accepts as an image, and how its scores read in a table. The trainer, `check`, the
/// results and the command line hold a PairSource and never ask which one it is.
/// The sources are in src/XnorSpec/Sources; a new data set is one new subclass there, registered in
/// <c>PairSources.For</c>, plus a profile.
/// </summary>
public abstract class PairSource : IDisposable
{
    public abstract PairData Data { get; }

    /// <summary>The label rules its pairs take; the first, the data's own "same or different", is the default.</summary>
    public abstract IReadOnlyList<LabelRule> LabelRules { get; }

    public LabelRule DefaultLabels => LabelRules[0];

    /// <summary>The image side a model made elsewhere (a PyTorch file) is shown when none is given.</summary>
    public abstract int DefaultImageSize { get; }

    /// <summary>Throws an ArgumentException naming the setting (Labels) when the experiment asks for a label rule these pairs do not take.</summary>
    public Experiment Accept(Experiment experiment)
    {
        experiment.Validated();
        if (!LabelRules.Contains(experiment.Labels))
            throw new ArgumentException($"Setting Labels = {experiment.Labels} is invalid; accepted: on {Data} pairs one of {string.Join(", ", LabelRules)}.", nameof(Experiment.Labels));
        return experiment;
    }

    /// <summary>Whether the pairs are read from a folder of files (which --data can name), rather than generated.</summary>
    public virtual bool ReadsFiles => false;

    /// <summary>The experiment reading its pairs from <paramref name="folder"/>; only for a source that <see cref="ReadsFiles"/>.</summary>
    public virtual Experiment ReadingFrom(Experiment experiment, string folder) =>
        throw new ArgumentException($"Experiment {experiment.Name} trains on generated {Data} pairs, which are not read from a folder.", nameof(folder));

    /// <summary>Reads whatever the source needs (image files) now, so a problem is refused before the first step; a no-op for generated data.</summary>
    public virtual void Prepare() { }

    /// <summary>One line for the command line saying where the pairs come from.</summary>
    public abstract string Describe();

    /// <summary>Trains <paramref name="model"/> in place on the experiment's pairs, then scores it (eval mode) the way this data is scored.</summary>
    public abstract TrainingResult Train(ComparisonModel model, Experiment experiment, Device device, IProgress<StepReport>? progress, CancellationToken cancel);

    /// <summary>
    /// The probe of the interaction contrast: query and template batches in squares of four rows, (a, a'), (b, b'),
    /// (a, b'), (b, a') for two kinds a and b, so each square's z1 + z2 - z3 - z4 is zero for a separable head.
    /// </summary>
    public abstract ContrastProbe Probe(int imageSize, Device device);

    /// <summary>
    /// The grid of the interaction share (<see cref="InteractionShare"/>): query images and template images of this data, every
    /// query meeting every template, with at least two kinds of image on each side so that "same" and "different" pairs both occur.
    /// </summary>
    public abstract InteractionGrid Grid(int imageSize, Device device);

    /// <summary>How `check` decides whether a trained model tells same from different on this data (eval mode), with the criterion in words.</summary>
    public abstract Judgement Judge(ComparisonModel model, Experiment experiment, Device device);

    /// <summary>`predict`'s input: an image file or a reference into the data, as the model takes it ([3, S, S]), and words naming it.</summary>
    public abstract (Tensor Image, string Description) ReadInput(string argument, Experiment experiment, Device device, bool anyImage);

    /// <summary>What a model's output is the probability of, under a label rule.</summary>
    public abstract string Question(LabelRule labels);

    /// <summary>The folder its files were read from (results.json's imageFolder); null for generated data.</summary>
    public virtual string? Folder => null;

    /// <summary>The images that a result's held-out examples (results.json) index into, for pictures; null when it records none.</summary>
    public virtual LabelledImages? ExampleImages => null;

    /// <summary>The results table's columns after "experiment" and "final loss", before "verdict".</summary>
    public abstract IReadOnlyList<string> TableColumns { get; }

    /// <summary>A result's cells under <see cref="TableColumns"/> ("-" where it has none).</summary>
    public abstract IReadOnlyList<string> TableCells(ExperimentResult result);

    /// <summary>The lines under the table that say what its columns mean.</summary>
    public abstract string TableNote(IReadOnlyList<ExperimentResult> results);

    /// <summary>The capability table's columns for runs on this data, after "final training loss", before "head parameters".</summary>
    public abstract IReadOnlyList<string> CapabilityColumns { get; }

    /// <summary>One head's runs (its seeds) summarised under <see cref="CapabilityColumns"/>.</summary>
    public abstract IReadOnlyList<string> CapabilityCells(IReadOnlyList<HeadRun> runs);

    /// <summary>The lines under the capability table that say what its columns mean.</summary>
    public abstract string CapabilityNote { get; }

    /// <summary>The README's markers around this data's capability table.</summary>
    public abstract (string Start, string End) ReadmeMarkers { get; }

    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>How a pair source scored a trained model, in eval mode: one kind per source, recorded in results.json.</summary>
public abstract record Evaluation
{
    /// <summary>The loss the verdict reads; null when the final training loss decides.</summary>
    public abstract double? VerdictLoss { get; }

    /// <summary>For a "not learned" verdict: what the model answers instead ("stays near 0.5"); null to say "not learned".</summary>
    public virtual string? NotLearnedAnswer => null;

    /// <summary>The figures a runs file records for the run (<see cref="HeadRun.Scores"/>), by name.</summary>
    public abstract IReadOnlyDictionary<string, double> Scores { get; }

    /// <summary>One line for `train`: the score after training.</summary>
    public abstract string Summary { get; }

    /// <summary>The result with this evaluation's fields of results.json filled in.</summary>
    public abstract ExperimentResult Into(ExperimentResult result);
}

/// <summary>Rows for the interaction contrast (see <see cref="PairSource.Probe"/>), owned by the caller's dispose scope.</summary>
public sealed record ContrastProbe(Tensor Query, Tensor Template, string Description, IReadOnlyList<string> RowNames);

/// <summary>A source's judgement of a trained model for `check`: the figures, whether it tells same from different, and the criterion.</summary>
public abstract record Judgement
{
    public abstract bool TellsSameFromDifferent { get; }

    /// <summary>The rule behind <see cref="TellsSameFromDifferent"/>, with its threshold: printed by `check`.</summary>
    public abstract string Criterion { get; }

    /// <summary>The outcome in words, with the figure the criterion reads.</summary>
    public abstract string Outcome { get; }

    /// <summary>Lines of figures for `check`'s report.</summary>
    public abstract IReadOnlyList<string> Lines { get; }
}
