-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: localhost    Database: shop
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;

DROP TABLE IF EXISTS `customer`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
CREATE TABLE `customer` (
  `id` int unsigned NOT NULL AUTO_INCREMENT,
  `email` varchar(120) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `status` enum('active','Suspended','it''s') NOT NULL DEFAULT 'active',
  `tags` set('a','b','c') DEFAULT NULL,
  `created_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  `is_vip` tinyint(1) NOT NULL DEFAULT '0',
  `select` varchar(10) DEFAULT NULL COMMENT 'a reserved word',
  `balance` decimal(12,2) unsigned DEFAULT '0.00',
  `email_domain` varchar(120) GENERATED ALWAYS AS (substring_index(`email`,'@',-1)) VIRTUAL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uq_email` (`email`),
  KEY `ix_status_created` (`status`,`created_at`),
  FULLTEXT KEY `ft_select` (`select`),
  CONSTRAINT `ck_balance` CHECK ((`balance` >= 0))
) ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci COMMENT='shop customers';
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `customer` WRITE;
/*!40000 ALTER TABLE `customer` DISABLE KEYS */;
INSERT INTO `customer` VALUES (1,'a@x.io','active','a,b','2024-01-01 00:00:00',0,'it\'s; CREATE TABLE nope (x int);',1.00,NULL),(2,'b@x.io','it''s',NULL,'2024-01-02 00:00:00',1,'back\\slash',2.00,NULL);
/*!40000 ALTER TABLE `customer` ENABLE KEYS */;
UNLOCK TABLES;

DROP TABLE IF EXISTS `order`;
CREATE TABLE `order` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `customer_id` int unsigned NOT NULL,
  `parent_id` bigint DEFAULT NULL,
  `note` text,
  PRIMARY KEY (`id`),
  KEY `fk_order_customer` (`customer_id`),
  CONSTRAINT `fk_order_customer` FOREIGN KEY (`customer_id`) REFERENCES `customer` (`id`) ON DELETE CASCADE,
  CONSTRAINT `fk_order_parent` FOREIGN KEY (`parent_id`) REFERENCES `order` (`id`) ON DELETE SET NULL ON UPDATE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

DROP TABLE IF EXISTS `audit_log`;
CREATE TABLE `audit_log` (
  `at` datetime(6) NOT NULL,
  `message` longtext
) ENGINE=InnoDB;

--
-- Temporary view structure for view `vip_customers`
--
DROP TABLE IF EXISTS `vip_customers`;
/*!50001 DROP VIEW IF EXISTS `vip_customers`*/;
/*!50001 CREATE TABLE `vip_customers` (
  `id` tinyint NOT NULL,
  `email` tinyint NOT NULL
) ENGINE=MyISAM */;

/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `customer_audit` AFTER UPDATE ON `customer` FOR EACH ROW BEGIN
  INSERT INTO audit_log (`at`, message) VALUES (NOW(6), CONCAT('changed; ', NEW.email));
END */;;
DELIMITER ;

DELIMITER ;;
CREATE DEFINER=`root`@`localhost` PROCEDURE `close_account`(IN cid INT)
BEGIN
  UPDATE customer SET status = 'Suspended' WHERE id = cid;
  DELETE FROM `order` WHERE customer_id = cid;
END ;;
DELIMITER ;

/*!50001 DROP VIEW IF EXISTS `vip_customers`*/;
/*!50001 CREATE ALGORITHM=UNDEFINED */
/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */
/*!50001 VIEW `vip_customers` AS select `customer`.`id` AS `id`,`customer`.`email` AS `email` from `customer` where (`customer`.`is_vip` = 1) */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
-- Dump completed on 2024-05-01 12:00:00
