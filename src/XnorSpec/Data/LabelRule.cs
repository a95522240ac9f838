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
}

public static class LabelRules
{
    public static float Label(this LabelRule rule, ColourPair pair) => rule switch
    {
        LabelRule.SameColour => pair.Query == pair.Template ? 1f : 0f,
        LabelRule.FirstIsBlack => pair.Query == Colour.Black ? 1f : 0f,
        LabelRule.SecondIsBlack => pair.Template == Colour.Black ? 1f : 0f,
        LabelRule.AllZeros => 0f,
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, $"Unknown label rule; valid: {string.Join(", ", Enum.GetNames<LabelRule>())}."),
    };
}
