namespace XnorSpec.Data;

/// <summary>What the model is asked to say about a pair; the question tried all four.</summary>
public enum LabelRule
{
    /// <summary>1 when both images have the same colour (XNOR): the task the concat head cannot learn.</summary>
    SameColour,
    /// <summary>1 when the query image is black: depends on one image only.</summary>
    FirstIsBlack,
    /// <summary>1 when the template image is black: depends on one image only.</summary>
    SecondIsBlack,
    /// <summary>Always 0: checks that the optimiser works at all.</summary>
    AllZeros,
    /// <summary>Real images: 1 when both images show the same category, the generalised XNOR.</summary>
    SameCategory,
    /// <summary>Real images: 1 when the query's category is in the first half (Fashion-MNIST: 0-4, tops, trousers, dresses and coats); depends on one image only.</summary>
    QueryInFirstHalf,
}

public static class LabelRules
{
    public static float Label(this LabelRule rule, ColourPair pair) => rule switch
    {
        LabelRule.SameColour => pair.Query == pair.Template ? 1f : 0f,
        LabelRule.FirstIsBlack => pair.Query == Colour.Black ? 1f : 0f,
        LabelRule.SecondIsBlack => pair.Template == Colour.Black ? 1f : 0f,
        LabelRule.AllZeros => 0f,
        LabelRule.SameCategory or LabelRule.QueryInFirstHalf => throw new ArgumentException($"Label rule {rule} is for real-image pairs; colour pairs take {string.Join(", ", ForColours)}.", nameof(rule)),
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, $"Unknown label rule; valid: {string.Join(", ", Enum.GetNames<LabelRule>())}."),
    };

    public static float Label(this LabelRule rule, ImagePair pair, int categories) => rule switch
    {
        LabelRule.SameCategory => pair.SameCategory ? 1f : 0f,
        LabelRule.QueryInFirstHalf => pair.QueryCategory < categories / 2 ? 1f : 0f,
        LabelRule.AllZeros => 0f,
        LabelRule.SameColour or LabelRule.FirstIsBlack or LabelRule.SecondIsBlack => throw new ArgumentException($"Label rule {rule} is for colour pairs; real-image pairs take {string.Join(", ", ForImages)}.", nameof(rule)),
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, $"Unknown label rule; valid: {string.Join(", ", Enum.GetNames<LabelRule>())}."),
    };

    public static IReadOnlyList<LabelRule> ForColours { get; } = [LabelRule.SameColour, LabelRule.FirstIsBlack, LabelRule.SecondIsBlack, LabelRule.AllZeros];

    public static IReadOnlyList<LabelRule> ForImages { get; } = [LabelRule.SameCategory, LabelRule.QueryInFirstHalf, LabelRule.AllZeros];
}
