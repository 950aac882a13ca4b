package io.distillery.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

class RedactorTest {

    private static Configuration conf() {
        Configuration conf = new Configuration(false);
        conf.set("fs.s3a.secret.key", "wJalrXUtnFEMI-K7MDENG");
        conf.set("fs.s3a.bucket.models.session.token", "FQoGZXIvYXdzEJr-token");
        conf.set("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        conf.set("fs.s3a.endpoint", "http://127.0.0.1:9000");
        return conf;
    }

    @Test
    void masksSensitiveValuesAndNothingElse() {
        Redactor redactor = Redactor.of(conf());
        String text = "PUT failed with key wJalrXUtnFEMI-K7MDENG token FQoGZXIvYXdzEJr-token via "
                + "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider at http://127.0.0.1:9000";
        assertEquals(
                "PUT failed with key <redacted> token <redacted> via "
                        + "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider at http://127.0.0.1:9000",
                redactor.redact(text));
        assertEquals(Optional.of("fs.s3a.secret.key"), redactor.secretKeyIn("x wJalrXUtnFEMI-K7MDENG y"));
    }

    @Test
    void masksTheWholeCauseChainButKeepsClassNamesAndStackTraces() {
        Redactor redactor = Redactor.of(conf());
        IOException root = new IOException("signature for wJalrXUtnFEMI-K7MDENG rejected");
        IllegalStateException top = new IllegalStateException("upload failed", root);
        ModelRepositoryException failure = redactor.failure("publishing run 'r' to s3a://b/m failed", top);

        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        assertFalse(trace.toString().contains("wJalrXUtnFEMI"), trace.toString());
        assertTrue(
                trace.toString().contains("java.io.IOException (message masked): signature for <redacted> rejected"),
                trace.toString());
        assertEquals(
                "publishing run 'r' to s3a://b/m failed: IllegalStateException: upload failed", failure.getMessage());
        assertEquals(root.getStackTrace()[0], failure.getCause().getCause().getStackTrace()[0]);
    }

    @Test
    void keepsACleanCauseAsItIs() {
        IOException clean = new IOException("connection refused");
        assertSame(clean, Redactor.of(conf()).failure("listing failed", clean).getCause());
    }

    @Test
    void stripsUserInfoFromUris() {
        assertEquals(
                URI.create("s3a://bucket/models/x"),
                Redactor.withoutUserInfo(URI.create("s3a://AKID:secret@bucket/models/x")));
        assertEquals(URI.create("hdfs://nn:8020/m"), Redactor.withoutUserInfo(URI.create("hdfs://nn:8020/m")));
    }
}
