namespace VideoVCReg.Cli.Hosting;

/// <summary>A problem with what the user gave us; printed as one line, exit code 1, no stack trace.</summary>
public sealed class UserInputException(string message, Exception? inner = null) : Exception(message, inner);
