using XnorSpec.Data;
using XnorSpec.Training;

namespace XnorSpec.Sources;

/// <summary>The one place that maps the data an experiment names to its pair source.</summary>
public static class PairSources
{
    /// <summary>
    /// The source of <paramref name="data"/>; files are read on first use (or <see cref="PairSource.Prepare"/>).
    /// <paramref name="folder"/>: where a real-image source reads its dataset (--data), null for its default.
    /// </summary>
    public static PairSource For(PairData data, string? folder = null) => data switch
    {
        PairData.Colours => new ColourSource(),
        PairData.FashionMnist or PairData.FashionMnistSubset => new FashionMnistSource(data, folder),
        _ => throw new ArgumentException($"Unknown data {data}; valid: {string.Join(", ", Enum.GetNames<PairData>())}.", nameof(data)),
    };

    /// <summary>The source an experiment trains on (its <see cref="Experiment.Data"/>).</summary>
    public static PairSource For(Experiment experiment, string? folder = null) => For(experiment.Data, folder);
}
