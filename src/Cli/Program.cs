using VideoVCReg.Cli;

return await CliApp.RunAsync(args);
