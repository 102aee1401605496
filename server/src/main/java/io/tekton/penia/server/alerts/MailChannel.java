package io.tekton.penia.server.alerts;

import io.tekton.penia.server.config.PeniaConfig;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Properties;

/**
 * Sends alert e-mails over SMTP (jakarta.mail, Angus): multipart/alternative with a plain-text
 * and an HTML part. Every socket operation is bounded (connect 2 s, read and write by
 * alerts.delivery_timeout_ms, 5 s by default).
 */
final class MailChannel {
    private final PeniaConfig.Mail cfg;
    private final Session session;

    MailChannel(PeniaConfig.Mail cfg, java.time.Duration ioTimeout) {
        this.cfg = cfg;
        Properties p = new Properties();
        if (cfg.host() != null) {
            p.put("mail.smtp.host", cfg.host());
        }
        p.put("mail.smtp.port", String.valueOf(cfg.port()));
        p.put("mail.smtp.connectiontimeout", String.valueOf(HttpChannel.CONNECT_TIMEOUT.toMillis()));
        p.put("mail.smtp.timeout", String.valueOf(ioTimeout.toMillis()));
        p.put("mail.smtp.writetimeout", String.valueOf(ioTimeout.toMillis()));
        p.put("mail.smtp.auth", String.valueOf(cfg.username() != null));
        if (cfg.startTls()) {
            p.put("mail.smtp.starttls.enable", "true");
            p.put("mail.smtp.starttls.required", "true");
        }
        this.session = Session.getInstance(p);
    }

    SendResult send(List<String> to, AlertContent content, String alertId) {
        if (cfg.host() == null || cfg.host().isBlank()) {
            return SendResult.permanent("mail.host is not configured");
        }
        if (to.isEmpty()) {
            return SendResult.permanent("no recipients");
        }
        try {
            MimeMessage m = new MimeMessage(session);
            m.setFrom(new InternetAddress(cfg.from(), true));
            m.setRecipients(Message.RecipientType.TO, InternetAddress.parse(String.join(",", to), true));
            m.setSubject(content.subject(), StandardCharsets.UTF_8.name());
            m.setSentDate(new Date());
            m.setHeader(HttpChannel.ALERT_ID_HEADER, alertId);
            MimeBodyPart plain = new MimeBodyPart();
            plain.setText(content.plainText(), StandardCharsets.UTF_8.name(), "plain");
            MimeBodyPart html = new MimeBodyPart();
            html.setText(content.html(), StandardCharsets.UTF_8.name(), "html");
            // Least preferred first: clients show the last part they understand.
            MimeMultipart alt = new MimeMultipart("alternative", plain, html);
            m.setContent(alt);
            if (cfg.username() != null) {
                Transport.send(m, cfg.username(), cfg.password());
            } else {
                Transport.send(m);
            }
            return SendResult.ok();
        } catch (AddressException e) {
            return SendResult.permanent("bad address: " + e.getMessage());
        } catch (MessagingException e) {
            // Messages name the host and port, never the password.
            Throwable cause = e.getNextException() == null ? e.getCause() : e.getNextException();
            return SendResult.retry("SMTP: " + e.getMessage() + (cause == null ? "" : " (" + cause.getMessage() + ")"));
        }
    }
}
