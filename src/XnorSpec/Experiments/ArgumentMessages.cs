namespace XnorSpec.Experiments;

public static class ArgumentMessages
{
    /// <summary>
    /// The message without the " (Parameter 'x')" .NET appends: a setting's message already names it,
    /// and it is shown to users or wrapped in another message.
    /// </summary>
    public static string Reason(this ArgumentException e) =>
        e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "") : e.Message;
}
